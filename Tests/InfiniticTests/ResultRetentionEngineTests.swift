import Foundation
import InfiniticTransport
import Testing

@testable import Infinitic

/// The state engine's result retention, without a transport: each step reads the stored fields the way the
/// state engine role does (the header, then the parts the step asks for), and its write is applied to them.
@Suite struct ResultRetentionEngineTests {
    let codec = JSONPayloadCodec()
    let retention = Duration.seconds(60)
    let start = Date(timeIntervalSince1970: 1_900_000_000)
    let hotel = CommandDescriptor(kind: .task, targetName: "HotelBooking", methodName: "book")

    /// A stored state (its fields and version) and what the last step read besides the header.
    struct Store {
        let engine: WorkflowStateEngine
        var fields: [String: [UInt8]] = [:]
        var version = 0
        /// When the stored state expires (`StateWrite.Operation.expire`), if it does.
        var expiresAt: Date?
        var asked: Set<String> = []
        /// The events of the last step.
        var events: [InfiniticEventType] = []

        var state: WorkflowState? {
            get throws {
                guard let header = fields[StateField.header] else { return nil }
                return try WorkflowState(
                    stored: StateFields(version: version, fields: [StateField.header: header], isComplete: false),
                    codec: engine.codec)
            }
        }

        var header: WorkflowStateHeader? {
            get throws { try state?.header }
        }

        /// Runs one step on the stored state and stores its outcome.
        @discardableResult
        mutating func step(_ envelope: WorkflowEngineEnvelope, now: Date) throws -> WorkflowEngineTransition {
            // An expired state is gone, as in Redis.
            if let expiresAt, now >= expiresAt { forget() }
            var state = try self.state
            asked = []
            while true {
                do {
                    let transition = try engine.handle(envelope, state: state, now: now)
                    events = WorkflowEvents.events(
                        of: [envelope], before: state, transition: transition, now: now, settings: EventSettings()
                    ).compactMap(\.eventType)
                    try store(transition, now: now)
                    return transition
                } catch let needed as StatePartsNeeded {
                    asked.formUnion(needed.fields)
                    let found = fields.filter { needed.fields.contains($0.key) }
                    try state?.merge(
                        StateFields(version: version, fields: found, isComplete: false), asked: needed.fields)
                }
            }
        }

        private mutating func forget() {
            fields = [:]
            version = 0
            expiresAt = nil
        }

        private mutating func store(_ transition: WorkflowEngineTransition, now: Date) throws {
            switch transition.state {
            case .unchanged:
                break
            case .deleted:
                forget()
            case .updated(let state):
                for write in try state.writes(to: StateKey("wf"), now: now) {
                    switch write.operation {
                    case .setFields(let set, let removing, let replacingAll):
                        if replacingAll {
                            fields = [:]
                            expiresAt = nil
                        }
                        for field in removing { fields[field] = nil }
                        fields.merge(set) { _, new in new }
                        version += 1
                    case .expire(let after):
                        expiresAt = now.addingTimeInterval(after.inSeconds)
                    default:
                        Issue.record("unexpected write \(write.operation)")
                    }
                }
            }
        }
    }

    func engine(retention: Duration) -> WorkflowStateEngine {
        WorkflowStateEngine(workflowName: "Trips", emitterName: "engine", codec: codec, resultRetention: retention)
    }

    /// An empty store whose engine keeps outcomes for `retention`.
    func retainingStore() -> Store { Store(engine: engine(retention: retention)) }

    func envelope(
        _ message: WorkflowEngineMessage, requester: Requester? = .client(name: "c"), at date: Date? = nil
    ) -> WorkflowEngineEnvelope {
        Envelope(
            messageId: UUID().uuidString, emitterName: "test", emittedAt: date ?? start, requester: requester,
            message: message)
    }

    func dispatchWorkflow(tags: Set<String> = [], waiting: Bool = true) -> WorkflowEngineMessage {
        .dispatchWorkflow(
            DispatchWorkflow(
                workflowName: "Trips", workflowId: "wf", methodName: "sequential", arguments: [], tags: tags,
                clientWaiting: waiting))
    }

    func dispatchMethod(_ methodId: String, waiting: Bool = false) -> WorkflowEngineMessage {
        .dispatchMethod(
            DispatchMethod(
                workflowName: "Trips", workflowId: "wf", methodName: "note", methodId: methodId, arguments: [],
                clientWaiting: waiting))
    }

    func wait(_ methodId: String) -> WorkflowEngineMessage {
        .waitMethod(WaitMethod(workflowName: "Trips", workflowId: "wf", methodId: methodId))
    }

    /// The running workflow task completes with `outcome`.
    func taskCompleted(_ store: Store, _ outcome: WorkflowTaskOutput) throws -> WorkflowEngineMessage {
        let running = try #require(try store.header?.runningWorkflowTask)
        return .workflowTaskCompleted(
            WorkflowTaskCompleted(
                workflowName: "Trips", workflowId: "wf", workflowTaskId: running.id, methodId: running.methodId,
                output: outcome))
    }

    func returning(_ value: String) throws -> WorkflowTaskOutput {
        WorkflowTaskOutput(newCommands: [], outcome: .returned(try codec.payload(value)))
    }

    func waitingOn(_ commandId: String) -> WorkflowTaskOutput {
        WorkflowTaskOutput(
            newCommands: [CommandRecord(id: commandId, position: 1, descriptor: hotel, createdAtTaskIndex: 1)],
            outcome: .waiting(WaitingStep(position: 2, step: .command(commandId))))
    }

    /// What `client` was told.
    func told(_ transition: WorkflowEngineTransition, client: String = "c") -> [ClientMessage] {
        transition.outputs.compactMap {
            if case .client(let name, let envelope) = $0, name == client { return envelope.message }
            return nil
        }
    }

    func completedValue(_ messages: [ClientMessage]) throws -> String? {
        guard messages.count == 1, case .methodCompleted(let completed) = messages[0] else { return nil }
        return try codec.value(String.self, from: completed.value)
    }

    func expirations(_ transition: WorkflowEngineTransition) -> [(ExpireOutcomes, Date)] {
        transition.outputs.compactMap {
            guard case .delayedWorkflowEngine(let envelope, let at) = $0,
                case .expireOutcomes(let expire) = envelope.message
            else { return nil }
            return (expire, at)
        }
    }

    func isUnknown(_ messages: [ClientMessage]) -> Bool {
        guard messages.count == 1, case .methodUnknown = messages[0] else { return false }
        return true
    }

    @Test func aCompletedOutcomeIsAnsweredDuringItsRetentionThenTheStateIsDeleted() throws {
        var store = retainingStore()
        try store.step(envelope(dispatchWorkflow(tags: ["t"])), now: start)
        let completing = try store.step(envelope(try taskCompleted(store, returning("done"))), now: start)
        #expect(try completedValue(told(completing)) == "done", "the waiting client is told at once")
        let removesTag = completing.outputs.contains { if case .workflowTag = $0 { true } else { false } }
        #expect(removesTag, "the instance ended: its tags go")
        #expect(expirations(completing).isEmpty, "no step runs to forget it: the closed state expires")
        let retentionEnd = start.addingTimeInterval(60)
        #expect(store.expiresAt == retentionEnd)
        #expect(Set(store.fields.keys) == [StateField.header, StateField.retained("wf")], "only the outcome stays")
        #expect(try store.header?.isClosed == true && store.header?.methods.isEmpty == true)
        #expect(store.events.suffix(2) == [.workflowMethodCompleted, .workflowCompleted], "the instance ended")

        // Another client asks by id: it gets the outcome, read from its own field.
        let answer = try store.step(envelope(wait("wf"), requester: .client(name: "late")), now: start)
        #expect(try completedValue(told(answer, client: "late")) == "done")
        #expect(store.asked.isSubset(of: [StateField.method("wf"), StateField.retained("wf")]))
        // A duplicate dispatch of the ended instance is answered too, not run again; a step later keeps the end of
        // the retention.
        let later = start.addingTimeInterval(20)
        let duplicate = try store.step(envelope(dispatchWorkflow(), requester: .client(name: "dup")), now: later)
        #expect(store.expiresAt == retentionEnd)
        #expect(try completedValue(told(duplicate, client: "dup")) == "done")
        #expect(!duplicate.outputs.contains { if case .workflowExecutor = $0 { true } else { false } })
        #expect(store.events.isEmpty, "nothing happens to an ended instance")
        // A method never seen is unknown; a new method does not start on an ended instance.
        #expect(isUnknown(told(try store.step(envelope(wait("other")), now: start))))
        let added = try store.step(envelope(dispatchMethod("m2", waiting: true)), now: start)
        #expect(isUnknown(told(added)) && added.outputs.count == 1)
        #expect(try store.header?.methods.isEmpty == true)
        // Messages for what ran are ignored.
        let late = try store.step(
            envelope(.cancelWorkflow(CancelWorkflow(workflowName: "Trips", workflowId: "wf"))), now: start)
        #expect(late.outputs.isEmpty)

        // The retention is over: the state expired, the method is unknown.
        #expect(isUnknown(told(try store.step(envelope(wait("wf")), now: retentionEnd))))
        #expect(store.fields.isEmpty && store.events.isEmpty)
    }

    /// An `ExpireOutcomes` for a closed instance (as engines before the state's expiry sent them) still forgets
    /// its outcomes, and deletes the state with the last; a late duplicate changes nothing.
    @Test func anExpirationForAClosedInstanceDeletesItsState() throws {
        var store = retainingStore()
        try store.step(envelope(dispatchWorkflow()), now: start)
        try store.step(envelope(try taskCompleted(store, returning("done"))), now: start)
        let expire = ExpireOutcomes(
            workflowName: "Trips", workflowId: "wf", methodIds: ["wf"], expiresAt: start.addingTimeInterval(60))
        let soon = start.addingTimeInterval(30)
        let deleting = try store.step(envelope(.expireOutcomes(expire), requester: nil), now: soon)
        guard case .deleted = deleting.state else {
            Issue.record("expected the state to be deleted, got \(deleting.state)")
            return
        }
        #expect(deleting.outputs.isEmpty && store.fields.isEmpty)
        let again = try store.step(envelope(.expireOutcomes(expire), requester: nil), now: soon)
        #expect(again.outputs.isEmpty && store.fields.isEmpty)
        #expect(isUnknown(told(try store.step(envelope(wait("wf")), now: soon))))
    }

    @Test func withoutRetentionTheStateIsDeletedAtOnce() throws {
        var store = Store(engine: engine(retention: .zero))
        try store.step(envelope(dispatchWorkflow()), now: start)
        let completing = try store.step(envelope(try taskCompleted(store, returning("done"))), now: start)
        guard case .deleted = completing.state else {
            Issue.record("expected the state to be deleted, got \(completing.state)")
            return
        }
        #expect(expirations(completing).isEmpty)
        #expect(isUnknown(told(try store.step(envelope(wait("wf")), now: start))))
    }

    @Test func aCanceledInstanceKeepsItsOutcomes() throws {
        var store = retainingStore()
        try store.step(envelope(dispatchWorkflow(tags: ["t"])), now: start)
        try store.step(envelope(try taskCompleted(store, waitingOn("c1"))), now: start)
        let canceling = try store.step(
            envelope(.cancelWorkflow(CancelWorkflow(workflowName: "Trips", workflowId: "wf")), requester: nil),
            now: start)
        guard case .methodCanceled = told(canceling).first else {
            Issue.record("the waiting client is told the cancel: \(canceling.outputs)")
            return
        }
        #expect(expirations(canceling).isEmpty && store.expiresAt == start.addingTimeInterval(60))
        #expect(store.events.suffix(2) == [.workflowMethodCanceled, .workflowCanceled])
        #expect(Set(store.fields.keys) == [StateField.header, StateField.retained("wf")])
        let answer = try store.step(envelope(wait("wf"), requester: .client(name: "late")), now: start)
        guard case .methodCanceled = told(answer, client: "late").first else {
            Issue.record("a client asking later is told the cancel: \(answer.outputs)")
            return
        }
        // A late result of what the instance ran is ignored.
        let result = CommandResult(
            workflowName: "Trips", workflowId: "wf", methodId: "wf", commandId: "c1",
            outcome: .completed(try codec.payload(1)))
        let late = try store.step(envelope(.commandResult(result), requester: nil), now: start)
        #expect(late.outputs.isEmpty)
    }

    /// A long-lived instance whose methods complete one after the other: each outcome is a field of its own,
    /// the header does not grow, and a step reads only what it needs.
    @Test func retainedOutcomesCostNothingToOtherSteps() throws {
        var store = retainingStore()
        try store.step(envelope(dispatchWorkflow()), now: start)
        try store.step(envelope(try taskCompleted(store, waitingOn("c1"))), now: start)
        var headerSizes: [Int] = []
        var expirations: [ExpireOutcomes] = []
        for index in 1...30 {
            let now = start.addingTimeInterval(Double(index))
            let methodId = "m\(100 + index)"
            try store.step(envelope(dispatchMethod(methodId), at: now), now: now)
            let completing = try store.step(
                envelope(try taskCompleted(store, returning("r\(index)")), at: now), now: now)
            expirations += self.expirations(completing).map(\.0)
            headerSizes.append(try #require(store.fields[StateField.header]).count)
        }
        #expect(store.fields.keys.filter { $0.hasPrefix(StateField.retainedPrefix) }.count == 30)
        // (Only its counters gain a digit.)
        let growth = try #require(headerSizes.max()) - headerSizes[0]
        #expect(growth <= 4, "the header does not grow with the outcomes: \(headerSizes)")
        #expect(expirations.count == 30)

        // A result for the running method reads its command, not the retained outcomes.
        let result = CommandResult(
            workflowName: "Trips", workflowId: "wf", methodId: "wf", commandId: "c1",
            outcome: .completed(try codec.payload(1)))
        try store.step(envelope(.commandResult(result), requester: nil), now: start.addingTimeInterval(31))
        #expect(!store.asked.contains { $0.hasPrefix(StateField.retainedPrefix) }, "read: \(store.asked)")

        // A client asking for one method reads that method's outcome only.
        let answer = try store.step(envelope(wait("m107")), now: start.addingTimeInterval(31))
        #expect(try completedValue(told(answer)) == "r7")
        #expect(store.asked.filter { $0.hasPrefix(StateField.retainedPrefix) } == [StateField.retained("m107")])

        // The first retentions end: their outcomes go, the instance runs on.
        for expire in expirations.prefix(10) {
            try store.step(envelope(.expireOutcomes(expire), requester: nil), now: expire.expiresAt)
        }
        #expect(store.fields.keys.filter { $0.hasPrefix(StateField.retainedPrefix) }.count == 20)
        #expect(store.fields[StateField.retained("m101")] == nil && store.fields[StateField.retained("m111")] != nil)
        #expect(try store.header?.isClosed == false && store.header?.retainedUntil != nil)
        #expect(isUnknown(told(try store.step(envelope(wait("m101")), now: start.addingTimeInterval(71)))))
        #expect(try completedValue(told(try store.step(envelope(wait("m111")), now: start))) == "r11")
        // The last one: none is retained any more.
        for expire in expirations.dropFirst(10) {
            try store.step(envelope(.expireOutcomes(expire), requester: nil), now: expire.expiresAt)
        }
        #expect(!store.fields.keys.contains { $0.hasPrefix(StateField.retainedPrefix) })
        #expect(try store.header?.retainedUntil == nil)
    }

    /// Methods that end at different times: each retention ends on its own, the state goes with the last; a
    /// new dispatch of the instance once its first method is forgotten starts it again.
    @Test func eachRetentionEndsOnItsOwn() throws {
        var store = retainingStore()
        func result(_ methodId: String, _ commandId: String) throws -> WorkflowEngineMessage {
            .commandResult(
                CommandResult(
                    workflowName: "Trips", workflowId: "wf", methodId: methodId, commandId: commandId,
                    outcome: .completed(try codec.payload(1))))
        }
        try store.step(envelope(dispatchWorkflow()), now: start)
        try store.step(envelope(try taskCompleted(store, waitingOn("c1"))), now: start)
        try store.step(envelope(dispatchMethod("m2")), now: start)
        try store.step(envelope(try taskCompleted(store, waitingOn("c2"))), now: start)
        try store.step(envelope(try result("wf", "c1"), requester: nil), now: start)
        let first = try store.step(envelope(try taskCompleted(store, returning("one"))), now: start)
        #expect(store.expiresAt == nil, "the instance still runs")
        let later = start.addingTimeInterval(10)
        try store.step(envelope(try result("m2", "c2"), requester: nil, at: later), now: later)
        let second = try store.step(envelope(try taskCompleted(store, returning("two")), at: later), now: later)
        let firstExpiry = try #require(expirations(first).first?.0)
        #expect(firstExpiry.methodIds == ["wf"])
        // The instance closes with the second: its state expires with that retention.
        #expect(expirations(second).isEmpty)
        let secondEnd = later.addingTimeInterval(60)
        #expect(try store.header?.isClosed == true && store.header?.retainedUntil == secondEnd)
        #expect(store.expiresAt == secondEnd)

        // The first retention ends: its outcome goes, the state stays for the second.
        try store.step(envelope(.expireOutcomes(firstExpiry), requester: nil), now: firstExpiry.expiresAt)
        #expect(Set(store.fields.keys) == [StateField.header, StateField.retained("m2")])
        #expect(store.expiresAt == secondEnd)
        #expect(isUnknown(told(try store.step(envelope(wait("wf")), now: firstExpiry.expiresAt))))
        #expect(try completedValue(told(try store.step(envelope(wait("m2")), now: firstExpiry.expiresAt))) == "two")

        // The instance is dispatched again: a new one replaces what was kept.
        let again = try store.step(envelope(dispatchWorkflow()), now: firstExpiry.expiresAt)
        #expect(again.outputs.contains { if case .workflowExecutor = $0 { true } else { false } })
        #expect(try store.header?.isClosed == false && store.fields[StateField.retained("m2")] == nil)
        #expect(store.expiresAt == nil, "the new instance does not expire")
        // An expiration of the former instance's outcomes (from an engine of an earlier version), late for it,
        // leaves it running.
        let secondExpiry = ExpireOutcomes(
            workflowName: "Trips", workflowId: "wf", methodIds: ["m2"], expiresAt: secondEnd)
        try store.step(envelope(.expireOutcomes(secondExpiry), requester: nil), now: secondEnd)
        #expect(try store.header?.runningWorkflowTask != nil && store.header?.methods.count == 1)
    }
}
