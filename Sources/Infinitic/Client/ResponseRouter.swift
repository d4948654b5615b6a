import Synchronization

/// Hands the responses a client receives to whoever waits for them: a method's outcome to the waiters of
/// that method, an id lookup's answer to the oldest lookup of that tag. Drops redelivered responses, and tells
/// a second outcome of a method apart (a duplicate outcome: the engine answered the same method twice).
final class ResponseRouter: Sendable {
    /// What became of a delivered response.
    enum Delivery: Equatable {
        /// Handed to its waiters (possibly none).
        case routed
        /// A message already received (the transport delivers at least once): dropped.
        case redelivered
        /// Another outcome of a method whose outcome was already received, under a different message id:
        /// dropped, and counted (an engine should answer a method once per waiting client).
        case duplicateOutcome
    }

    typealias MethodOutcome = Result<ClientMethodResult, any Error>
    typealias IdsOutcome = Result<[String], any Error>
    typealias CompletionOutcome = Result<DelegatedTaskAnswer.Outcome, any Error>
    typealias ScheduleOutcome = Result<ScheduleAnswer, any Error>

    struct MethodKey: Hashable {
        var workflowId: String
        var methodId: String
    }

    struct TagKey: Hashable {
        var kind: ClientLookupIdsInput.Kind
        var name: String
        var tag: String
    }

    private struct State {
        var methods: [MethodKey: [ObjectIdentifier: Settlement<MethodOutcome>]] = [:]
        var lookups: [TagKey: [Settlement<IdsOutcome>]] = [:]
        /// Completions of delegated tasks waiting for their answer, by task id.
        var completions: [String: [Settlement<CompletionOutcome>]] = [:]
        /// Requests about schedules waiting for their answer, by request id.
        var scheduleRequests: [String: Settlement<ScheduleOutcome>] = [:]
        var seen = SeenMessageIds()
        /// The methods whose outcome (completed, failed or canceled) was received, as `outcomeKey`.
        var answered = SeenMessageIds()
        var duplicateOutcomes = 0
        var closedWith: InfiniticError?
        /// Outcomes nobody waited for, lately (oldest first): a redirect handled after the outcome it announces
        /// (the client reads its responses concurrently) still finds it.
        var unclaimed: [(MethodKey, MethodOutcome)] = []
    }

    /// How many unclaimed outcomes are kept.
    static let unclaimedKept = 64

    private let state = Mutex(State())

    /// Registers `slot` to receive the outcome of a method. Throws if the client is closed.
    func register(_ slot: Settlement<MethodOutcome>, for key: MethodKey) throws {
        try state.withLock { state in
            if let error = state.closedWith { throw error }
            state.methods[key, default: [:]][ObjectIdentifier(slot)] = slot
        }
    }

    /// Stops routing to `slot` (its owner is gone, or it has its outcome).
    func remove(_ slot: Settlement<MethodOutcome>, for key: MethodKey) {
        state.withLock { state in
            state.methods[key]?[ObjectIdentifier(slot)] = nil
            if state.methods[key]?.isEmpty == true { state.methods[key] = nil }
        }
    }

    /// Registers a lookup of the ids carrying a tag. Throws if the client is closed.
    func register(_ lookup: Settlement<IdsOutcome>, for key: TagKey) throws {
        try state.withLock { state in
            if let error = state.closedWith { throw error }
            state.lookups[key, default: []].append(lookup)
        }
    }

    func remove(_ lookup: Settlement<IdsOutcome>, for key: TagKey) {
        state.withLock { state in
            state.lookups[key]?.removeAll { $0 === lookup }
            if state.lookups[key]?.isEmpty == true { state.lookups[key] = nil }
        }
    }

    /// The client asks for the outcome of `key` again (`WaitMethod`): the next outcome is an answer, not a
    /// duplicate (the method may have been answered before, then retried).
    func expectOutcome(of key: MethodKey) {
        state.withLock { $0.answered.remove(Self.outcomeKey(key)) }
    }

    private static func outcomeKey(_ key: MethodKey) -> String { "\(key.workflowId)\u{0}\(key.methodId)" }

    /// How many duplicate outcomes this router received (see `Delivery.duplicateOutcome`).
    var duplicateOutcomes: Int { state.withLock { $0.duplicateOutcomes } }

    /// Registers a completion of the delegated task `taskId` waiting for its answer. Throws if the client is
    /// closed.
    func register(_ completion: Settlement<CompletionOutcome>, forTask taskId: String) throws {
        try state.withLock { state in
            if let error = state.closedWith { throw error }
            state.completions[taskId, default: []].append(completion)
        }
    }

    func remove(_ completion: Settlement<CompletionOutcome>, forTask taskId: String) {
        state.withLock { state in
            state.completions[taskId]?.removeAll { $0 === completion }
            if state.completions[taskId]?.isEmpty == true { state.completions[taskId] = nil }
        }
    }

    /// Registers a request about schedules waiting for its answer. Throws if the client is closed.
    func register(_ request: Settlement<ScheduleOutcome>, forScheduleRequest requestId: String) throws {
        try state.withLock { state in
            if let error = state.closedWith { throw error }
            state.scheduleRequests[requestId] = request
        }
    }

    func removeScheduleRequest(_ requestId: String) {
        state.withLock { _ = $0.scheduleRequests.removeValue(forKey: requestId) }
    }

    /// Routes one response.
    @discardableResult
    func deliver(_ envelope: ClientEnvelope) -> Delivery {
        switch envelope.message {
        case .methodCompleted(let completed):
            return settle(
                MethodKey(workflowId: completed.workflowId, methodId: completed.methodId),
                with: .success(ClientMethodResult(value: completed.value, headers: envelope.headers)),
                messageId: envelope.messageId, isOutcome: true)
        case .methodFailed(let error):
            return settle(
                MethodKey(workflowId: error.workflowId, methodId: error.methodId), with: .failure(error),
                messageId: envelope.messageId, isOutcome: true)
        case .methodCanceled(let error):
            return settle(
                MethodKey(workflowId: error.workflowId, methodId: error.methodId ?? error.workflowId),
                with: .failure(error), messageId: envelope.messageId, isOutcome: true)
        case .methodUnknown(let error):
            // Not an outcome: the answer to a wait that came after the method ended (or for no such method).
            return settle(
                MethodKey(workflowId: error.workflowId, methodId: error.methodId ?? error.workflowId),
                with: .failure(error), messageId: envelope.messageId, isOutcome: false)
        case .workflowIds(let answer):
            return answerLookup(
                TagKey(kind: .workflow, name: answer.name, tag: answer.tag), ids: answer.ids,
                messageId: envelope.messageId)
        case .taskIds(let answer):
            return answerLookup(
                TagKey(kind: .service, name: answer.name, tag: answer.tag), ids: answer.ids,
                messageId: envelope.messageId)
        case .methodRedirected(let redirect):
            return self.redirect(redirect, messageId: envelope.messageId)
        case .delegatedTaskAnswer(let answer):
            let completion = state.withLock { state -> Settlement<CompletionOutcome>?? in
                guard state.seen.insert(envelope.messageId) else { return nil }
                guard var waiting = state.completions[answer.taskId], !waiting.isEmpty else { return .some(nil) }
                let first = waiting.removeFirst()
                state.completions[answer.taskId] = waiting.isEmpty ? nil : waiting
                return .some(first)
            }
            guard let completion else { return .redelivered }
            completion?.settle(.success(answer.outcome))
            return .routed
        case .scheduleAnswer(let answer):
            let request = state.withLock { state -> Settlement<ScheduleOutcome>?? in
                guard state.seen.insert(envelope.messageId) else { return nil }
                return .some(state.scheduleRequests.removeValue(forKey: answer.requestId))
            }
            guard let request else { return .redelivered }
            request?.settle(.success(answer))
            return .routed
        }
    }

    /// Moves the waiters of the main method of the instance the client asked for to the running instance with
    /// the same custom id (settling them at once if its outcome came first).
    private func redirect(_ redirect: MethodRedirect, messageId: String) -> Delivery {
        let from = MethodKey(workflowId: redirect.fromWorkflowId, methodId: redirect.fromWorkflowId)
        let to = MethodKey(workflowId: redirect.toWorkflowId, methodId: redirect.toWorkflowId)
        let (slots, outcome) = state.withLock { state -> ([Settlement<MethodOutcome>]?, MethodOutcome?) in
            guard state.seen.insert(messageId) else { return (nil, nil) }
            guard let moved = state.methods.removeValue(forKey: from) else { return ([], nil) }
            if let index = state.unclaimed.firstIndex(where: { $0.0 == to }) {
                return (Array(moved.values), state.unclaimed.remove(at: index).1)
            }
            state.methods[to, default: [:]].merge(moved) { a, _ in a }
            return ([], nil)
        }
        guard let slots else { return .redelivered }
        if let outcome { for slot in slots { slot.settle(outcome) } }
        return .routed
    }

    /// Fails every waiter and refuses new ones.
    func close(with error: InfiniticError) {
        let (methods, lookups, completions, scheduleRequests) = state.withLock { state in
            if state.closedWith == nil { state.closedWith = error }
            defer {
                state.methods = [:]
                state.lookups = [:]
                state.completions = [:]
                state.scheduleRequests = [:]
                state.unclaimed = []
            }
            return (
                state.methods.values.flatMap(\.values), state.lookups.values.flatMap { $0 },
                state.completions.values.flatMap { $0 }, Array(state.scheduleRequests.values)
            )
        }
        for request in scheduleRequests { request.settle(.failure(error)) }
        for slot in methods { slot.settle(.failure(error)) }
        for lookup in lookups { lookup.settle(.failure(error)) }
        for completion in completions { completion.settle(.failure(error)) }
    }

    /// The number of registered waiters (for tests and diagnostics).
    var waiterCount: Int {
        state.withLock { state in
            state.methods.values.reduce(0) { $0 + $1.count } + state.lookups.values.reduce(0) { $0 + $1.count }
        }
    }

    private func settle(
        _ key: MethodKey, with outcome: MethodOutcome, messageId: String, isOutcome: Bool
    ) -> Delivery {
        let (delivery, slots) = state.withLock { state -> (Delivery, [Settlement<MethodOutcome>]) in
            guard state.seen.insert(messageId) else { return (.redelivered, []) }
            if isOutcome, !state.answered.insert(Self.outcomeKey(key)) {
                state.duplicateOutcomes += 1
                return (.duplicateOutcome, [])
            }
            guard let waiting = state.methods.removeValue(forKey: key) else {
                state.unclaimed.append((key, outcome))
                if state.unclaimed.count > Self.unclaimedKept { state.unclaimed.removeFirst() }
                return (.routed, [])
            }
            return (.routed, Array(waiting.values))
        }
        for slot in slots { slot.settle(outcome) }
        return delivery
    }

    private func answerLookup(_ key: TagKey, ids: [String], messageId: String) -> Delivery {
        let lookup = state.withLock { state -> Settlement<IdsOutcome>?? in
            guard state.seen.insert(messageId) else { return nil }
            guard var waiting = state.lookups[key], !waiting.isEmpty else { return .some(nil) }
            let first = waiting.removeFirst()
            state.lookups[key] = waiting.isEmpty ? nil : waiting
            return .some(first)
        }
        guard let lookup else { return .redelivered }
        lookup?.settle(.success(ids))
        return .routed
    }
}
