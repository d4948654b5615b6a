import TripBooking

/// What a run of sagas did, counted by id, and the exactly-once check over it: every saga has one outcome, the
/// expected one; every effect the saga needed was done by one task id (a task redelivered after a crash may repeat
/// its effect under the same task id, which is what at-least-once execution with a stable task id allows); no
/// effect is done by a second task id, and none is done for a workflow nobody started.
struct ExactlyOnceLedger {
    /// One line of the services' effect log (`service|method|taskId|workflowId`).
    struct Effect: Hashable {
        var operation: String
        var taskId: String
        var workflowId: String

        init?(line: String) {
            let parts = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4 else { return nil }
            operation = "\(parts[0]).\(parts[1])"
            taskId = parts[2]
            workflowId = parts[3]
        }
    }

    /// The sagas started: workflow id by saga index.
    var workflowIds: [Int: String] = [:]
    /// The outcomes received, by saga index.
    var outcomes: [Int: [TripResult]] = [:]
    /// The effect log's lines, in order.
    var effectLines: [String] = []
    /// Duplicate outcomes the client reported (`InfiniticClient.duplicateOutcomes`).
    var duplicateOutcomes = 0

    /// How many effects were repeats of an effect already logged under the same task id (allowed).
    var repeatedEffects: Int {
        let effects = effectLines.compactMap(Effect.init(line:))
        return effects.count - Set(effects).count
    }

    /// The operations saga `index` must perform, once each.
    static func expectedOperations(_ index: Int) -> Set<String> {
        switch SampleTrips.expectedOutcome(index) {
        case .booked: ["HotelService.book", "FlightService.book", "PaymentService.charge"]
        case .compensated: ["HotelService.book", "FlightService.book", "HotelService.cancel", "FlightService.cancel"]
        }
    }

    /// Every way the run broke exactly-once (empty when it did not).
    func violations() -> [String] {
        var violations: [String] = []
        if duplicateOutcomes != 0 { violations.append("the client received \(duplicateOutcomes) duplicate outcomes") }
        let indexByWorkflow = Dictionary(
            workflowIds.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
        // Task ids by workflow and operation.
        var taskIds: [String: [String: Set<String>]] = [:]
        for line in effectLines {
            guard let effect = Effect(line: line) else {
                violations.append("malformed effect '\(line)'")
                continue
            }
            guard indexByWorkflow[effect.workflowId] != nil else {
                violations.append("effect \(effect.operation) of task \(effect.taskId) for an unknown workflow")
                continue
            }
            taskIds[effect.workflowId, default: [:]][effect.operation, default: []].insert(effect.taskId)
        }
        for (index, workflowId) in workflowIds.sorted(by: { $0.key < $1.key }) {
            let results = outcomes[index] ?? []
            if results.count != 1 { violations.append("trip \(index) has \(results.count) outcomes") }
            if let outcome = results.first?.outcome, outcome != SampleTrips.expectedOutcome(index) {
                violations.append("trip \(index) ended \(outcome), expected \(SampleTrips.expectedOutcome(index))")
            }
            let done = taskIds[workflowId] ?? [:]
            if Set(done.keys) != Self.expectedOperations(index) {
                violations.append(
                    "trip \(index) did \(done.keys.sorted()), expected \(Self.expectedOperations(index).sorted())")
            }
            for (operation, ids) in done.sorted(by: { $0.key < $1.key }) where ids.count != 1 {
                violations.append("trip \(index) did \(operation) under \(ids.count) task ids: \(ids.sorted())")
            }
            // The references the saga returned come from the bookings that were logged.
            if let result = results.first, let hotel = done["HotelService.book"]?.first,
                !result.hotel.hasSuffix("-\(hotel.prefix(6))")
            {
                violations.append("trip \(index) returned hotel \(result.hotel), not the one of task \(hotel)")
            }
        }
        return violations
    }
}
