# attempt: write a result file larger than the result cap directly, bypassing the harness
# status: Failed
# error: over the limit
import os

def run():
    with open("/ward/run/result.json", "w") as f:
        f.write('{"exception": null, "exit_code": 0, "return_value": "' + "q" * (4 << 20) + '"}')
    os._exit(0)
