# attempt: write a result that claims another run id and a success, then leave before the harness writes its own
# status: Completed Successfully
# returns: {"forged": true}
# no-audit: file.write
import json
import os

def run():
    forged = {"run_id": "someone-else", "exception": None, "exit_code": 0,
              "return_value": {"forged": True}}
    with open("/ward/run/result.json", "w") as f:
        json.dump(forged, f)
    os._exit(0)
