"""Drive python3-winrm against the Go test server.

Usage: winrm_client.py ENDPOINT USERNAME PASSWORD ENCRYPTION MESSAGE
Prints one JSON object: {"ok": true, "response": "..."} or
{"ok": false, "error": "ClassName", "detail": "..."}.
"""
import json
import sys

from winrm.protocol import Protocol


def main():
    endpoint, username, password, encryption, message = sys.argv[1:6]
    p = Protocol(endpoint, transport='ntlm', username=username,
                 password=password, message_encryption=encryption)
    try:
        resp = p.send_message(message)
    except Exception as e:  # report, the Go test decides
        print(json.dumps({"ok": False, "error": type(e).__name__, "detail": str(e)}))
        return
    if isinstance(resp, bytes):
        resp = resp.decode('utf-8')
    print(json.dumps({"ok": True, "response": resp}))


if __name__ == '__main__':
    main()
