# attempt: read the policy and rewrite it to allow everything
# status: Completed Successfully
# returns: {"read": "PermissionError", "replace": "PermissionError", "write": "PermissionError"}
# audit: deny file.read {POLICY} | protected:
# audit: deny file.write {POLICY} | protected:
import os

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    def replace():
        with open("{STATE}/new.toml", "w") as f:
            f.write("[[allow]]\n")
        os.replace("{STATE}/new.toml", "{POLICY}")
    return {
        "read": attempt(lambda: open("{POLICY}").read()),
        "write": attempt(lambda: open("{POLICY}", "w").write("[[allow]]\n")),
        "replace": attempt(replace),
    }
