#!/usr/bin/env python3
"""The parts of GitLab's REST API the sample pipeline calls, on loopback, for
gitlab_ci_local_test.sh: merge request notes (paged as GitLab pages them, with
X-Next-Page) and issues. GET /_state answers everything held.

    fake_gitlab.py READY_FILE TOKEN   writes its port to READY_FILE
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ready_file, token = sys.argv[1], sys.argv[2]
lock = threading.Lock()
# 150 notes of people, so that the pipeline's own lies on the second page of 100.
# Two of them the pipeline wrote before, for a plan in two parts: the first is edited, the
# second deleted, as the new plan has one part.
notes = [{"id": i, "body": f"a comment {i}", "author": "someone"} for i in range(1, 151)]
head = "<!-- mailsync environment production -->\n"
notes[119] = {"id": 120, "body": head + "<!-- mailsync plan part 1 of 2 -->\nold", "author": "bot"}
notes[139] = {"id": 140, "body": head + "<!-- mailsync plan part 2 of 2 -->\nold", "author": "bot"}
issues = []
next_id = [1000]
requests = []


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def route(self, method):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/_state":
            return self.answer(200, {"notes": notes, "issues": issues, "requests": requests})
        if self.headers.get("PRIVATE-TOKEN") != token:
            return self.answer(401, {"message": "401 Unauthorized"})
        parts = url.path.strip("/").split("/")
        requests.append(f"{method} {url.path} {url.query}")
        # api/v4/projects/7/merge_requests/1/notes[/ID] or api/v4/projects/7/issues[/IID]
        if parts[:3] != ["api", "v4", "projects"]:
            return self.answer(404, {"message": "404 Not Found"})
        if parts[4:] == ["merge_requests", "1", "notes"] and method == "GET":
            per_page, page = int(query.get("per_page", 20)), int(query.get("page", 1))
            chunk = notes[(page - 1) * per_page : page * per_page]
            more = page * per_page < len(notes)
            return self.answer(200, chunk, {"X-Next-Page": str(page + 1) if more else ""})
        if parts[4:] == ["merge_requests", "1", "notes"] and method == "POST":
            next_id[0] += 1
            note = {"id": next_id[0], "body": self.body()["body"], "author": "bot"}
            notes.append(note)
            return self.answer(201, note)
        if parts[4:7] == ["merge_requests", "1", "notes"] and len(parts) == 8:
            found = [n for n in notes if str(n["id"]) == parts[7]]
            if not found:
                return self.answer(404, {"message": "404 Not found"})
            if method == "PUT":
                found[0]["body"] = self.body()["body"]
                return self.answer(200, found[0])
            if method == "DELETE":
                notes.remove(found[0])
                self.send_response(204)
                self.end_headers()
                return None
        if parts[4:] == ["issues"] and method == "GET":
            wanted = [i for i in issues if query.get("search", "") in i["title"]]
            return self.answer(200, wanted, {"X-Next-Page": ""})
        if parts[4:] == ["issues"] and method == "POST":
            body = self.body()
            issue = {"iid": len(issues) + 1, "title": body["title"], "description": body["description"]}
            issues.append(issue)
            return self.answer(201, issue)
        if parts[4:5] == ["issues"] and len(parts) == 6 and method == "PUT":
            issue = issues[int(parts[5]) - 1]
            issue.update(self.body())
            return self.answer(200, issue)
        return self.answer(404, {"message": "404 Not Found"})

    def do_GET(self):
        with lock:
            self.route("GET")

    def do_POST(self):
        with lock:
            self.route("POST")

    def do_PUT(self):
        with lock:
            self.route("PUT")

    def do_DELETE(self):
        with lock:
            self.route("DELETE")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(ready_file + ".tmp", "w") as out:
    out.write(f"{server.server_address[1]}\n")
import os
os.rename(ready_file + ".tmp", ready_file)
server.serve_forever()
