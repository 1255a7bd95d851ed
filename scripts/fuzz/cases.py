"""Bad input for the webhook and setup routes: each generator yields (label, raw HTTP request
bytes), the webhook one also the callback id the body carries. Raw bytes, so framing and
headers can be broken too, not only bodies."""
import hashlib
import json


def raw(method, path, body=b"", headers=None, version="HTTP/1.1"):
    headers = dict(headers or {})
    headers.setdefault("Host", "127.0.0.1")
    headers.setdefault("Connection", "close")
    if body is not None and "Content-Length" not in headers and "Transfer-Encoding" not in headers:
        headers["Content-Length"] = str(len(body))
    head = f"{method} {path} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + (body or b"")


JSON = {"Content-Type": "application/json"}
WEIRD_VALUES = [None, True, -1, 0, 2**63, -2**63 - 1, 1e308, "1", "", "\u0000", "ä" * 300, [], {}, [1, [2, [3]]],
                {"id": "x"}, "2026-13-45T99:99:99Z", "' OR 1=1 --", "<script>alert(1)</script>", "\ud800", "\U0001F600"]


def mutate_json(rng, value, depth=0):
    """The same shape with one value swapped for something of the wrong type."""
    if isinstance(value, dict) and value and depth < 4:
        key = rng.choice(list(value))
        copy = dict(value)
        if rng.random() < 0.15:
            del copy[key]
        else:
            copy[key] = mutate_json(rng, value[key], depth + 1) if rng.random() < 0.5 else rng.choice(WEIRD_VALUES)
        return copy
    if isinstance(value, list) and value and depth < 4:
        copy = list(value)
        i = rng.randrange(len(copy))
        copy[i] = mutate_json(rng, copy[i], depth + 1)
        return copy
    return rng.choice(WEIRD_VALUES)


def webhook_cases(rng, world, count):
    """Bodies and framings for POST /webhooks/oneflow/{key}."""
    path = world.webhook_path
    for n in range(count):
        callback_id, valid = world.notification(1, callback_id=f"fuzz-{n}")
        parsed = json.loads(valid)
        kind = rng.randrange(12)
        if kind == 0:  # truncated JSON
            yield "truncated", raw("POST", path, valid.encode()[: rng.randrange(len(valid))], JSON), callback_id
        elif kind == 1:  # flipped bytes
            body = bytearray(valid.encode())
            for _ in range(rng.randint(1, 8)):
                body[rng.randrange(len(body))] = rng.randrange(256)
            yield "bit flips", raw("POST", path, bytes(body), JSON), callback_id
        elif kind == 2:  # wrong types, re-signed so the signature is not what stops it
            yield "wrong types", raw("POST", path, json.dumps(mutate_json(rng, parsed)).encode(), JSON), callback_id
        elif kind == 3:  # invalid UTF-8 inside strings
            bad = rng.choice([b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\x80", b"\xf8\x88\x80\x80\x80"])
            yield "invalid utf-8", raw("POST", path, valid.encode().replace(b"fuzz-", b"fuzz-" + bad, 1), JSON), callback_id
        elif kind == 4:  # big and deep
            body = rng.choice([b" " * 300_000 + valid.encode(), b"[" * 100_000 + b"]" * 100_000,
                               json.dumps({**parsed, "pad": "x" * 250_000}).encode(), b"{" + b'"a":1,' * 40_000 + b'"b":2}'])
            yield "huge or deep", raw("POST", path, body, JSON), callback_id
        elif kind == 5:  # content types
            ctype = rng.choice(["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1",
                                "application/jsonx", "", "multipart/form-data; boundary=x", "application/json" + ";" * 500])
            yield "content type", raw("POST", path, valid.encode(), {"Content-Type": ctype} if ctype else {}), callback_id
        elif kind == 6:  # header abuse
            headers = dict(JSON)
            choice = rng.randrange(5)
            if choice == 0:
                headers["X-Big"] = "a" * rng.choice([8_000, 70_000])
            elif choice == 1:
                headers.update({f"X-H{i}": str(i) for i in range(rng.choice([200, 2000]))})
            elif choice == 2:
                headers["X-Nul"] = "a\x00b"
            elif choice == 3:
                headers["Content-Type"] = "application/json\x7f\x01"
            else:
                headers["Authorization"] = "Bearer " + "z" * 5000
            yield "headers", raw("POST", path, valid.encode(), headers), callback_id
        elif kind == 7:  # framing
            body = valid.encode()
            choice = rng.randrange(4)
            if choice == 0 and rng.random() < 0.2:  # each waits out the server's idle timeout
                yield "length too long", raw("POST", path, body, {**JSON, "Content-Length": str(len(body) + 50)}), callback_id
            elif choice <= 1:
                yield "two lengths", raw("POST", path, body, {**JSON, "Content-Length": f"{len(body)}, 5"}), callback_id
            elif choice == 2:
                yield "negative length", raw("POST", path, body, {**JSON, "Content-Length": "-1"}), callback_id
            else:
                chunked = b"zz\r\n" + body + b"\r\n0\r\n\r\n"
                yield "bad chunks", raw("POST", path, chunked, {**JSON, "Transfer-Encoding": "chunked"}), callback_id
        elif kind == 8:  # wrong path keys
            key = rng.choice(["", "x" * 5000, "%00", "..%2f..%2fetc", "ä", world.webhook_path.rsplit("/", 1)[1].upper()])
            yield "webhook key", raw("POST", "/webhooks/oneflow/" + key, valid.encode(), JSON), callback_id
        elif kind == 9:  # wrong signatures, right shape
            parsed["signature"] = rng.choice(["", "0" * 40, parsed["signature"].upper()[:-1] + "0", "x" * 10_000, None])
            yield "signature", raw("POST", path, json.dumps(parsed).encode(), JSON), callback_id
        elif kind == 10:  # methods
            yield "method", raw(rng.choice(["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"]), path, valid.encode(), JSON), callback_id
        else:  # signed, valid shape, odd content: these may be accepted
            odd = dict(parsed, events=rng.choice([[], [{"id": 1, "type": "x" * 300}], parsed["events"] * 50]))
            odd["contract"] = {"id": rng.choice([0, -5, 2**31, 1])}
            if rng.random() < 0.3:  # an odd callback id, signed as Oneflow would sign it
                weird = rng.choice(["\u0000", "a\u0000b", "\n", "\u202e", "ä" * 199, "ä" * 201, " ", "\U0001F600"]) + str(n)
                odd["callback_id"] = callback_id = weird
                odd["signature"] = hashlib.sha1((weird + world.sign_key).encode()).hexdigest()
            yield "signed oddities", raw("POST", path, json.dumps(odd).encode(), JSON), callback_id


def setup_cases(rng, count):
    """The Setup URL's routes with tokens and forms nobody should send."""
    tokens = ["", "a", "x" * 40, "x" * 39, "%ff%fe", "%00" * 40, "ä" * 40, "a" * 20_000, "../../etc/passwd", "%", "a%2", "tok en"]
    for n in range(count):
        kind = rng.randrange(6)
        token = rng.choice(tokens) + str(n % 7)
        if kind == 0:
            yield "GET /setup?token", raw("GET", f"/setup?token={token}", None)
        elif kind == 1:
            form = rng.choice([f"token={token}", f"token={token}&csrf=x", "token[]=1&token[]=2", "token=%ff", "&&&==", "x" * 100_000])
            yield "POST /setup form", raw("POST", "/setup", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"})
        elif kind == 2:
            yield "POST /setup json", raw("POST", "/setup", json.dumps({"token": rng.choice(WEIRD_VALUES)}).encode(), JSON)
        elif kind == 3:
            yield "GET /setup/connect", raw("GET", "/setup/connect", None, {"Cookie": rng.choice(["", "hrbridge_session=" + token, "a=b; " * 500])})
        elif kind == 4:
            yield "GET /setup/complete", raw("GET", "/setup/complete/" + rng.choice(["x", "00000000-0000-0000-0000-000000000000", token, "%ff"]), None)
        else:
            yield "POST /setup/retry", raw("POST", "/setup/retry", b"csrf=" + bytes(rng.randrange(256) for _ in range(20)),
                                           {"Content-Type": "application/x-www-form-urlencoded"})
