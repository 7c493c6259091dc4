import NIOCore

@testable import BanditProxy

/// What an `UpstreamResponseReader` made of some bytes, delivered in given pieces.
struct ReaderTranscript: Equatable {
    struct Head: Equatable {
        var status: Int
        var fields: [Field]
    }
    struct Field: Equatable {
        var name: String
        var value: String

        /// As read by swift-nio: llhttp keeps whitespace at the end of a value, which RFC 9110
        /// §5.5 says is not part of it (ours drops it), so it is dropped before comparing.
        static func fromNIO(name: String, value: String) -> Field {
            Field(name: name, value: String(value.reversed().drop { $0 == " " || $0 == "\t" }.reversed()))
        }
    }

    var heads: [Head] = []
    /// Body bytes of every response, in order.
    var body: [UInt8] = []
    var ends = 0
    var error: WireError?

    /// Reads `pieces` as answers to `requests` requests sent one after another (the next goes
    /// out when a response ends), then a close of the connection.
    static func read(
        _ pieces: [[UInt8]], requests: Int = 1, toHEAD: Bool = false, dechunk: Bool = false
    ) -> ReaderTranscript {
        var transcript = ReaderTranscript()
        var reader = UpstreamResponseReader()
        reader.expectResponse(toHEAD: toHEAD, dechunk: dechunk)
        var sent = 1
        func note(_ event: UpstreamResponseReader.Event) {
            switch event {
            case .head(let head):
                transcript.heads.append(
                    Head(status: head.status, fields: head.headerList.map { Field(name: $0.name, value: $0.value) }))
            case .body(let bytes):
                transcript.body += Array(bytes.readableBytesView)
            case .end:
                transcript.ends += 1
                if sent < requests {
                    sent += 1
                    reader.expectResponse(toHEAD: toHEAD, dechunk: dechunk)
                }
            }
        }
        do {
            for piece in pieces {
                reader.append(ByteBuffer(bytes: piece))
                while let event = try reader.next() { note(event) }
            }
            if let end = try reader.inputClosed() { note(end) }
        } catch {
            transcript.error = error as? WireError
        }
        return transcript
    }

    static func read(_ text: String, requests: Int = 1, toHEAD: Bool = false, dechunk: Bool = false)
        -> ReaderTranscript
    {
        read([Array(text.utf8)], requests: requests, toHEAD: toHEAD, dechunk: dechunk)
    }
}
