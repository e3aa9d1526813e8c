# attempt: climb out with characters that look like dots and slashes (U+2024, U+FF0E, U+2215)
# status: Completed Successfully
# returns: {"division_slash": "FileNotFoundError", "fullwidth": "FileNotFoundError", "leader": "FileNotFoundError"}
# audit: allow file.read {ROOT}/
# no-audit: file.write

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "leader": attempt(lambda: open("{ROOT}/\u2024\u2024/outside/secret.txt").read()),
        "fullwidth": attempt(lambda: open("{ROOT}/\uff0e\uff0e/outside/secret.txt").read()),
        "division_slash": attempt(lambda: open("{ROOT}/..\u2215outside\u2215secret.txt").read()),
    }
