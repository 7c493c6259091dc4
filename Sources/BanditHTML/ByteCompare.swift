/// Comparisons of byte strings for selector matching (case-sensitive unless said otherwise).
enum ByteCompare {
    /// Whether `count` bytes at `a` and at `b` are equal: eight bytes at a time, for the long
    /// runs `MemoizedRewriter` compares (pure Swift, no libc `memcmp`).
    static func equalBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        var index = 0
        while index &+ 32 <= count {
            // Four words per step, their differences folded into one test.
            var difference =
                a.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                ^ b.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            difference |=
                a.loadUnaligned(fromByteOffset: index &+ 8, as: UInt64.self)
                ^ b.loadUnaligned(fromByteOffset: index &+ 8, as: UInt64.self)
            difference |=
                a.loadUnaligned(fromByteOffset: index &+ 16, as: UInt64.self)
                ^ b.loadUnaligned(fromByteOffset: index &+ 16, as: UInt64.self)
            difference |=
                a.loadUnaligned(fromByteOffset: index &+ 24, as: UInt64.self)
                ^ b.loadUnaligned(fromByteOffset: index &+ 24, as: UInt64.self)
            if difference != 0 { return false }
            index &+= 32
        }
        while index < count {
            if a.load(fromByteOffset: index, as: UInt8.self) != b.load(fromByteOffset: index, as: UInt8.self) {
                return false
            }
            index &+= 1
        }
        return true
    }

    static func equals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count where a[index] != b[index] { return false }
        return true
    }

    /// `a`, ASCII-lowercased, equals `lowercase`.
    static func equalsLowercased(_ a: UnsafeRawBufferPointer, _ lowercase: UnsafeRawBufferPointer) -> Bool {
        guard a.count == lowercase.count else { return false }
        for index in 0..<a.count where ASCII.lowercased(a[index]) != lowercase[index] { return false }
        return true
    }

    static func hasPrefix(_ value: UnsafeRawBufferPointer, _ prefix: UnsafeRawBufferPointer) -> Bool {
        value.count >= prefix.count && equals(UnsafeRawBufferPointer(rebasing: value[..<prefix.count]), prefix)
    }

    static func hasSuffix(_ value: UnsafeRawBufferPointer, _ suffix: UnsafeRawBufferPointer) -> Bool {
        value.count >= suffix.count
            && equals(UnsafeRawBufferPointer(rebasing: value[(value.count - suffix.count)...]), suffix)
    }

    static func contains(_ value: UnsafeRawBufferPointer, _ part: UnsafeRawBufferPointer) -> Bool {
        guard value.count >= part.count else { return false }
        for start in 0...(value.count - part.count)
        where equals(UnsafeRawBufferPointer(rebasing: value[start..<start + part.count]), part) {
            return true
        }
        return false
    }

    /// `value` is a whitespace-separated list with `word` as one of its words. Jumps from one
    /// occurrence of the word's first byte to the next rather than splitting the list: class
    /// lists are long and most of their words are not the one looked for.
    static func containsWord(_ value: UnsafeRawBufferPointer, _ word: UnsafeRawBufferPointer) -> Bool {
        guard let base = value.baseAddress, !word.isEmpty, value.count >= word.count else { return false }
        let first = word[0]
        let lastStart = value.count - word.count
        var start = 0
        while start <= lastStart {
            start = ByteSearch.firstIndex(of: first, in: base, from: start, to: lastStart + 1)
            if start > lastStart { return false }
            let end = start + word.count
            if (start == 0 || ASCII.isWhitespace(value[start - 1]))
                && (end == value.count || ASCII.isWhitespace(value[end]))
                && equals(UnsafeRawBufferPointer(rebasing: value[start..<end]), word)
            {
                return true
            }
            start += 1
        }
        return false
    }
}
