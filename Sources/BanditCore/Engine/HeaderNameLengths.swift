/// The lengths of the experiment headers' names, so that a request's header is ruled out by
/// its length alone. Lengths below 64 are bits of one word: a `Set<Int>` hashed every
/// header of every request (a dozen from a browser), a visible share of each one.
struct HeaderNameLengths: Sendable {
    private var short: UInt64 = 0
    private var long: Set<Int> = []

    init(_ lengths: some Sequence<Int>) {
        for length in lengths {
            if length < 64 { short |= 1 << UInt64(length) } else { long.insert(length) }
        }
    }

    func contains(_ length: Int) -> Bool {
        length < 64 ? short & (1 << UInt64(length)) != 0 : !long.isEmpty && long.contains(length)
    }
}
