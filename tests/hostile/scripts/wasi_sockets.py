# attempt: open TCP and UDP sockets and connect out
# status: Completed Successfully
# returns: {"tcp": "OSError", "udp": "OSError", "create_connection": "AttributeError", "resolve": "AttributeError"}
import socket

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    def tcp():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect(("127.0.0.1", 22))
    def udp():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"x", ("127.0.0.1", 53))
    return {
        "tcp": attempt(tcp),
        "udp": attempt(udp),
        "create_connection": attempt(socket.create_connection, ("127.0.0.1", 80), 1),
        "resolve": attempt(socket.getaddrinfo, "localhost", 80),
    }
