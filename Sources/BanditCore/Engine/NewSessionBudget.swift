import Synchronization

/// `limits.newSessionsPerMinute`: how many new sessions one client address may open in a
/// minute and still be counted.
///
/// A count-min sketch of sliding one-minute windows: `rows` rows of `width` atomic cells,
/// each address hashed to one cell per row, its rate the smallest of its cells. Memory is
/// fixed (`rows × width × 8` bytes) whatever the number of addresses; an address's rate can
/// be overestimated when others share all its cells, never underestimated. Each cell packs
/// the minute it was last written in, that minute's count and the previous minute's, and
/// the rate is Cloudflare's sliding-window estimate: this minute's count plus the previous
/// minute's weighted by how much of it the last 60 seconds still cover.
///
/// Every new session an address opens is counted, whether or not it was within the budget:
/// an address that keeps opening more than the budget stays over it until it slows down,
/// rather than getting a fresh allowance each minute. No lock: a compare-and-swap per row.
public final class NewSessionBudget: Sendable {
    /// New sessions a client address may open in any 60 seconds; more than 0.
    public let perMinute: Int
    private let rows: Int
    private let width: Int
    private let cells: [Cell]
    /// Per-row hash seeds: the rows must hash independently of each other, and a random seed
    /// per process keeps anyone from choosing addresses that share a visitor's cells.
    private let seeds: [UInt64]

    private final class Cell: Sendable {
        let packed = Atomic<UInt64>(0)
    }

    /// 2 × 16,384 cells, 256 KiB: with 100,000 addresses a minute, an address below the
    /// budget is taken for one above it about once in a million.
    public init(perMinute: Int, rows: Int = 2, width: Int = 16_384, seed: UInt64 = .random(in: .min ... .max)) {
        precondition(perMinute > 0 && rows > 0 && width > 0)
        self.perMinute = perMinute
        self.rows = rows
        self.width = width
        cells = (0..<(rows * width)).map { _ in Cell() }
        var generator = SplitMix64(seed: seed)
        seeds = (0..<rows).map { _ in generator.next() }
    }

    /// Counts one new session from `address` at `seconds` (since 1970) and says whether it is
    /// within the budget: whether the address had opened fewer than `perMinute` sessions in
    /// the 60 seconds before it.
    public func admit(address: some StringProtocol, atSecond seconds: Int) -> Bool {
        let minute = UInt64(max(0, seconds) / 60) & Packed.minuteMask
        let elapsedShare = Double(max(0, seconds) % 60) / 60
        var rate = Double.infinity
        for row in 0..<rows {
            let cell = cells[row * width + index(of: address, row: row)]
            var current = cell.packed.load(ordering: .relaxed)
            while true {
                let aged = Packed(current).aged(to: minute)
                rate = min(rate, aged.rate(elapsedShare: elapsedShare))
                let (exchanged, original) = cell.packed.compareExchange(
                    expected: current, desired: aged.adding(1).raw, ordering: .relaxed)
                if exchanged { break }
                current = original
            }
        }
        return rate < Double(perMinute)
    }

    private func index(of address: some StringProtocol, row: Int) -> Int {
        // FNV-1a over the bytes, then a multiply-xorshift finaliser mixed with the row's seed.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seeds[row]
        for byte in address.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return Int(hash % UInt64(width))
    }

    /// One cell: bits 0–23 the minute (mod 2^24, 31 years), 24–43 this minute's count, 44–63
    /// the previous minute's; counts saturate at 2^20 − 1.
    struct Packed {
        static let minuteMask: UInt64 = (1 << 24) - 1
        static let countMask: UInt64 = (1 << 20) - 1
        var raw: UInt64

        init(_ raw: UInt64) { self.raw = raw }
        init(minute: UInt64, current: UInt64, previous: UInt64) {
            raw = minute | (current << 24) | (previous << 44)
        }

        var minute: UInt64 { raw & Self.minuteMask }
        var current: UInt64 { (raw >> 24) & Self.countMask }
        var previous: UInt64 { (raw >> 44) & Self.countMask }

        /// The same counts seen from `minute`: shifted by one minute, or emptied after more.
        func aged(to now: UInt64) -> Packed {
            if minute == now { return self }
            if (minute + 1) & Self.minuteMask == now {
                return Packed(minute: now, current: 0, previous: current)
            }
            return Packed(minute: now, current: 0, previous: 0)
        }

        func rate(elapsedShare: Double) -> Double {
            Double(current) + Double(previous) * (1 - elapsedShare)
        }

        func adding(_ count: UInt64) -> Packed {
            Packed(minute: minute, current: min(current + count, Self.countMask), previous: previous)
        }
    }
}
