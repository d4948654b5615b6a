import Foundation
import Infinitic
import Testing

/// `StepTracker` counts what `StepOutcome.evaluate` finds: after every command outcome, in any order, the
/// tracker's step is done exactly when evaluating the whole step finds it terminated (random `and`/`or` trees,
/// with empty branches and a command awaited twice).
@Suite struct StepTrackerTests {
    @Test(arguments: 0..<300)
    func theTrackerAgreesWithTheEvaluationOfTheStep(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let ids = (0..<5).map { "c\($0)" }
        let step = Self.randomStep(depth: 0, ids: ids, random: &random)
        var (tracker, leaves) = StepTracker.make(step, generation: 1)
        var records: [String: CommandRecord] = [:]
        let descriptor = CommandDescriptor(kind: .task, targetName: "S", methodName: "m")
        let agrees = { (records: [String: CommandRecord], tracker: StepTracker) -> Bool in
            StepOutcome.evaluate(step, asOf: 1) { records[$0] }.isTerminated == tracker.isDone
        }
        #expect(agrees(records, tracker), "before any outcome: \(step)")
        var order = Array(Set(step.commandIds))
        for index in order.indices.reversed() { order.swapAt(index, Int(random.next() % UInt64(index + 1))) }
        for (sequence, id) in order.enumerated() {
            let completed = random.next() % 3 != 0
            records[id] = CommandRecord(
                id: id, position: sequence, descriptor: descriptor,
                status: completed
                    ? .completed(Payload([1])) : .failed(.error(ErrorDescription(typeName: "E", message: "m"))),
                createdAtTaskIndex: 0, resolvedAtTaskIndex: 0, resolutionSequence: sequence + 1)
            for (leaf, node) in leaves where leaf == id { tracker.settle(node: node, completed: completed) }
            #expect(agrees(records, tracker), "after \(id) \(completed ? "completed" : "failed") in \(step)")
        }
    }

    private static func randomStep(depth: Int, ids: [String], random: inout SplitMix64) -> StepSpec {
        let kind = depth >= 3 ? 0 : random.next() % 3
        if kind == 0 { return .command(ids[Int(random.next() % UInt64(ids.count))]) }
        let children = (0..<Int(random.next() % 4)).map { _ in randomStep(depth: depth + 1, ids: ids, random: &random) }
        return kind == 1 ? .all(children) : .any(children)
    }
}
