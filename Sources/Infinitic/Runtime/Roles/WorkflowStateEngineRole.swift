import Foundation

/// The workflow state engine of one workflow: consumes the keyed `workflow-engine:<Name>`, one batch of
/// messages per workflow id at a time (the messages of an instance that wait together are applied in one step),
/// reads the instance's state header with the batch (the transport prefetches it with the workflow's lock, or
/// the whole state when it is small), then the parts the step needs, and acknowledges the batch together with
/// the changed parts of the state (compare-and-set on the version) and the messages it emits. A version
/// conflict makes the transport run the step again on fresh state.
public struct WorkflowStateEngineRole: Role {
    public static let group = "workflow-state-engine"
    /// The most messages of one instance applied in one step.
    public static let batchSize = 100
    /// How many times a step reads the parts it asks for before it reads the whole state.
    static let partialReadRounds = 6

    public let engine: WorkflowStateEngine
    /// Whether each step's events go to the events topic, in the step's commit.
    public let events: EventSettings?

    /// `resultRetention`: how long the outcome of a method that left the state can still be asked for by id
    /// (zero: not at all; see `WorkerConfiguration.resultRetention`).
    public init(
        workflowName: String, emitterName: String, codec: any PayloadCodec, events: EventSettings? = nil,
        resultRetention: Duration = .zero
    ) {
        self.engine = WorkflowStateEngine(
            workflowName: workflowName, emitterName: emitterName, codec: codec, resultRetention: resultRetention)
        self.events = events
    }

    public var name: String { engine.workflowName }
    public var topic: Topic { Topics.workflowEngine(engine.workflowName) }
    public var keyBatchSize: Int { Self.batchSize }
    public var prefetch: StatePrefetch? { Self.prefetch(engine.workflowName) }

    /// The fields the transport reads together with each batch: the header, or every part of a small state.
    public static func prefetch(_ workflowName: String) -> StatePrefetch {
        StatePrefetch(
            namePrefix: Topics.workflowStatePrefetch(workflowName).namePrefix, fields: [StateField.header],
            wholeUpTo: 16)
    }

    public func decode(_ message: ReceivedMessage) throws -> WorkflowEngineEnvelope {
        let envelope = try engine.codec.decode(WorkflowEngineEnvelope.self, from: message.payload)
        // The key decides the lock and the state read with the message: without it, or with another one, the
        // message would run beside its instance's other messages or on another instance's state.
        guard let key = message.key else {
            throw InfiniticError(
                .invalidMessage, "it has no key (the workflow id of its payload is '\(envelope.message.workflowId)')")
        }
        if key != envelope.message.workflowId {
            throw InfiniticError(
                .invalidMessage,
                "its key '\(key)' is not the workflow id of its payload '\(envelope.message.workflowId)'")
        }
        if envelope.message.workflowName != engine.workflowName {
            throw InfiniticError(
                .invalidMessage,
                "it is for workflow '\(envelope.message.workflowName)', this engine serves '\(engine.workflowName)'")
        }
        return envelope
    }

    /// Applies the batch (messages of one instance) to the instance's state, reading the parts the step asks
    /// for, and acknowledges it with the outputs and the compare-and-set write of the changed parts. A state
    /// that cannot be read or outputs that cannot be encoded retry the batch later.
    public func step(
        _ inputs: [RoleInput<WorkflowEngineEnvelope>], context: RoleContext
    ) async throws -> BatchDisposition {
        let envelopes = inputs.map(\.value)
        let workflowId = envelopes[0].message.workflowId
        let key = Topics.workflowState(engine.workflowName, workflowId: workflowId)
        let store = context.store
        let read: @Sendable ([String]?) async throws -> StateFields? = { fields in
            try await store.read(key, fields: fields.map { [StateField.header] + $0 })
        }
        do {
            // The transport read the state when it took the workflow's lock, unless this is a run after a
            // conflict.
            let stored: StateFields?
            if let prefetched = context.prefetchedState, prefetched.key == key {
                stored = prefetched.fields
            } else {
                stored = try await read([])
            }
            let now = context.now()
            let (transition, before) = try await transition(for: envelopes, stored: stored, read: read, now: now)
            let version = before?.version
            var writes: [StateWrite] = []
            switch transition.state {
            case .unchanged:
                break
            case .updated(let state):
                writes.append(try state.write(to: key))
            case .deleted:
                if let version { writes.append(StateWrite(key: key, operation: .delete, expectedVersion: version)) }
            }
            var messages = try transition.outputs.map { try $0.outgoingMessage(codec: engine.codec) }
            if let settings = events {
                let events = WorkflowEvents.events(
                    of: envelopes, before: before, transition: transition, now: now, settings: settings)
                if let message = try settings.message(events) { messages.append(message) }
            }
            return .ack(Commit(messages: messages, writes: writes))
        } catch {
            return BatchDisposition(
                .retry(after: .seconds(1), reason: "cannot apply messages to the state of \(workflowId): \(error)"))
        }
    }

    /// Runs the engine, reading the parts it asks for, until it needs nothing more. Returns the transition and
    /// the state it started from (with the parts read).
    private func transition(
        for envelopes: [WorkflowEngineEnvelope], stored: StateFields?,
        read: @Sendable ([String]?) async throws -> StateFields?, now: Date
    ) async throws -> (WorkflowEngineTransition, WorkflowState?) {
        let codec = engine.codec
        var state = try stored.map { try WorkflowState(stored: $0, codec: codec) }
        if let current = state {
            let likely = current.unread(WorkflowStateEngine.likelyParts(of: envelopes))
            if !likely.isEmpty { state = try await merge(likely, into: current, read: read) }
        }
        for _ in 0..<Self.partialReadRounds {
            do {
                return (try engine.handle(envelopes, state: state, now: now), state)
            } catch let needed as StatePartsNeeded {
                guard let current = state else { throw needed }
                state = try await merge(needed.fields, into: current, read: read)
            }
        }
        state = try await read(nil).map { try WorkflowState(stored: $0, codec: codec) }
        return (try engine.handle(envelopes, state: state, now: now), state)
    }

    /// `state` with `fields` read; the whole state read afresh when it changed meanwhile (nil if it is gone).
    private func merge(
        _ fields: Set<String>, into state: WorkflowState, read: @Sendable ([String]?) async throws -> StateFields?
    ) async throws -> WorkflowState? {
        var merged = state
        if let fresh = try await read(fields.sorted()) {
            do {
                try merged.merge(fresh, asked: fields)
                return merged
            } catch is WorkflowStateChanged {}
        }
        return try await read(nil).map { try WorkflowState(stored: $0, codec: engine.codec) }
    }
}

extension WorkflowStateEngineRole {
    /// The role with the emitter name and codec of `environment`.
    public init(workflowName: String, environment: RoleEnvironment, resultRetention: Duration = .zero) {
        self.init(
            workflowName: workflowName, emitterName: environment.emitterName, codec: environment.codec,
            events: environment.events, resultRetention: resultRetention)
    }
}
