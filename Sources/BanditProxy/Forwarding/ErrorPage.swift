import NIOCore
import NIOHTTP1

/// A short error page a person can read: status, reason, no internals.
enum ErrorPage {
    static func response(_ status: HTTPResponseStatus, detail: String, allocator: ByteBufferAllocator, close: Bool)
        -> (HTTPResponseHead, ByteBuffer)
    {
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>\(status.code) \(status.reasonPhrase)</title></head>
            <body style="font-family:system-ui,sans-serif;margin:3em"><h1>\(status.code) \(status.reasonPhrase)</h1>
            <p>\(HTML.escape(detail))</p><hr><small>bandit-proxy</small></body></html>

            """
        let body = allocator.buffer(string: html)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Cache-Control", value: "no-store")
        if close { headers.add(name: "Connection", value: "close") }
        return (HTTPResponseHead(version: .http1_1, status: status, headers: headers), body)
    }
}

enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
