import Foundation
import Testing

@testable import BanditCore

/// `limits.newSessionsPerMinute`: a sliding one-minute budget per address, in fixed memory.
@Suite struct NewSessionBudgetTests {
    @Test func anAddressGetsItsBudgetAndNoMoreWhileItKeepsOpeningSessions() {
        let budget = NewSessionBudget(perMinute: 30)
        let start = 1_800_000_000 - 1_800_000_000 % 60  // the start of a minute
        // 2,000 sessions from second 30 to second 80: the flood crosses into the next minute.
        let admitted = (0..<2_000).filter { budget.admit(address: "198.51.100.7", atSecond: start + 30 + $0 / 40) }
        #expect(admitted.count == 30, "the first 30 only")
        #expect(admitted == Array(0..<30))
    }

    @Test func otherAddressesAreNotHeldBackByAFlood() {
        let budget = NewSessionBudget(perMinute: 30)
        let now = 1_800_000_000
        for _ in 0..<5_000 { _ = budget.admit(address: "198.51.100.7", atSecond: now) }
        let others = (0..<10_000).map { "10.\($0 / 256 % 256).\($0 % 256).1" }
        let refused = others.filter { !budget.admit(address: $0, atSecond: now) }
        #expect(refused.isEmpty, "\(refused.prefix(5))")
    }

    @Test func aSteadyRateBelowTheBudgetIsNeverRefused() {
        let budget = NewSessionBudget(perMinute: 30)
        let start = 1_800_000_000
        // 25 a minute, evenly, for an hour: the sliding estimate never reaches 30.
        let refused = (0..<(25 * 60)).filter { !budget.admit(address: "192.0.2.1", atSecond: start + $0 * 60 / 25) }
        #expect(refused.isEmpty, "refused at \(refused.prefix(5))")
    }

    @Test func theBudgetComesBackOnceTheAddressSlowsDown() {
        let budget = NewSessionBudget(perMinute: 30)
        let start = 1_800_000_000 - 1_800_000_000 % 60
        for second in 0..<100 { _ = budget.admit(address: "192.0.2.1", atSecond: start + second / 10) }
        #expect(!budget.admit(address: "192.0.2.1", atSecond: start + 30))
        // Half of the next minute: 101 × 0.5 of last minute's sessions still weigh on it.
        #expect(!budget.admit(address: "192.0.2.1", atSecond: start + 90))
        // Two quiet minutes later nothing is left of them.
        #expect(budget.admit(address: "192.0.2.1", atSecond: start + 180))
    }

    @Test func concurrentSessionsFromOneAddressAreAdmittedAboutTheBudget() async {
        let budget = NewSessionBudget(perMinute: 30)
        let now = 1_800_000_000 - 1_800_000_000 % 60
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<1_000).reduce(0) { count, _ in
                        count + (budget.admit(address: "198.51.100.7", atSecond: now) ? 1 : 0)
                    }
                }
            }
            return await group.reduce(0, +)
        }
        // No lock: two rows updated one after the other can each let one racing session in.
        #expect((30...38).contains(admitted), "\(admitted)")
    }

    @Test func countsSaturateInsteadOfWrappingAround() {
        let budget = NewSessionBudget(perMinute: 1, rows: 1, width: 1)
        // 2^20 sessions: a 20-bit count that wrapped around would read 0 and admit the next.
        for _ in 0..<(1 << 20) { _ = budget.admit(address: "a", atSecond: 0) }
        #expect(!budget.admit(address: "a", atSecond: 30))
    }
}
