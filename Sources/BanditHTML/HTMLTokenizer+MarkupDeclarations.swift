extension HTMLTokenizer {
    /// Comments, doctypes, CDATA sections and bogus comments, from `state` to their end (state
    /// `.data`) or the end of the chunk. They pass through as they are, so nothing is held.
    @inline(__always)
    mutating func skipMarkupDeclaration(_ base: UnsafeRawPointer, _ i: inout Int, _ end: Int) {
        @inline(__always) func byte(_ at: Int) -> UInt8 { base.load(fromByteOffset: at, as: UInt8.self) }
        while i < end && state != .data {
            let c = byte(i)
            switch state {
            case .markupDeclarationOpen:
                if c == UInt8(ascii: "-") {
                    state = .markupDeclarationDash
                    i += 1
                } else if c == UInt8(ascii: "["), allowsCDATA {
                    state = .markupDeclarationCDATA
                    progress = 1
                    i += 1
                } else {
                    // `<!doctype …>` ends at the first `>` like a bogus comment; both pass through.
                    state = .bogusComment
                }
            case .markupDeclarationDash:
                if c == UInt8(ascii: "-") {
                    state = .commentStart
                    i += 1
                } else {
                    state = .bogusComment
                }
            case .markupDeclarationCDATA:
                if c == Self.cdataOpening[progress] {
                    progress += 1
                    i += 1
                    if progress == Self.cdataOpening.count { state = .cdataSection }
                } else {
                    state = .bogusComment
                }
            case .commentStart:
                // `<!-->` and `<!--->` are whole comments.
                if c == UInt8(ascii: "-") {
                    state = .commentStartDash
                    i += 1
                } else if c == UInt8(ascii: ">") {
                    state = .data
                    i += 1
                } else {
                    state = .comment
                }
            case .commentStartDash:
                if c == UInt8(ascii: "-") {
                    state = .commentEnd
                    i += 1
                } else if c == UInt8(ascii: ">") {
                    state = .data
                    i += 1
                } else {
                    state = .comment
                }
            case .comment:
                // A comment ends at `-->` or `--!>`; the nested `<!--` rules reduce to the same.
                i = ByteSearch.firstIndex(of: UInt8(ascii: "-"), in: base, from: i, to: end)
                if i < end {
                    state = .commentEndDash
                    i += 1
                }
            case .commentEndDash:
                state = c == UInt8(ascii: "-") ? .commentEnd : .comment
                i += 1
            case .commentEnd:
                if c == UInt8(ascii: ">") {
                    state = .data
                } else if c == UInt8(ascii: "!") {
                    state = .commentEndBang
                } else if c != UInt8(ascii: "-") {
                    state = .comment
                }
                i += 1
            case .commentEndBang:
                if c == UInt8(ascii: ">") {
                    state = .data
                } else {
                    state = c == UInt8(ascii: "-") ? .commentEndDash : .comment
                }
                i += 1
            case .bogusComment:
                i = ByteSearch.firstIndex(of: UInt8(ascii: ">"), in: base, from: i, to: end)
                if i < end {
                    state = .data
                    i += 1
                }
            case .cdataSection:
                i = ByteSearch.firstIndex(of: UInt8(ascii: "]"), in: base, from: i, to: end)
                if i < end {
                    state = .cdataSectionBracket
                    i += 1
                }
            case .cdataSectionBracket:
                state = c == UInt8(ascii: "]") ? .cdataSectionEnd : .cdataSection
                i += 1
            case .cdataSectionEnd:
                if c == UInt8(ascii: ">") {
                    state = .data
                } else if c != UInt8(ascii: "]") {
                    state = .cdataSection
                }
                i += 1
            default:
                preconditionFailure("skipMarkupDeclaration outside a markup declaration")
            }
        }
    }

    private static let cdataOpening: [UInt8] = Array("[CDATA[".utf8)
}
