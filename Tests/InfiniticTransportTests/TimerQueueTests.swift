import Foundation
import Testing

@testable import InfiniticTransport

@Suite(.timeLimit(.minutes(1))) struct TimerQueueTests {
    @Test func elementsComeOutSoonestFirstAndInInsertionOrderForEqualTimes() {
        var queue = TimerQueue<String>()
        let t0 = Date(timeIntervalSince1970: 0)
        queue.insert("c", due: t0.addingTimeInterval(3))
        queue.insert("a1", due: t0.addingTimeInterval(1))
        queue.insert("b", due: t0.addingTimeInterval(2))
        queue.insert("a2", due: t0.addingTimeInterval(1))
        #expect(queue.nextDue == t0.addingTimeInterval(1))
        #expect(queue.popDue(asOf: t0).isEmpty)
        #expect(queue.popDue(asOf: t0.addingTimeInterval(2)) == ["a1", "a2", "b"])
        #expect(queue.count == 1)
        #expect(queue.popDue(asOf: t0.addingTimeInterval(10)) == ["c"])
        #expect(queue.isEmpty && queue.nextDue == nil)
    }
}
