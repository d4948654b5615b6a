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
    /// The most workflow tasks one step replays inline (a method whose replays keep dispatching workflow tasks
    /// at once, such as one awaiting nothing in a loop, hands the next one to the executors).
    public static let inlineReplaysPerStep = 8

    public var engine: WorkflowStateEngine
    /// Whether each step's events go to the events topic, in the step's commit.
    public let events: EventSettings?
    /// Replays the workflow tasks of this engine's instances inline, in the step that dispatches them, instead
    /// of sending them to the executors (nil: sends them; see `WorkerConfiguration.inlineWorkflowTasks`).
    public var inline: WorkflowTaskRunner?
    /// Keeps the states of this engine's instances decoded between their steps (nil: every step decodes what it
    /// reads; see `WorkerConfiguration.cachedStates`).
    public var stateCache: WorkflowStateCache?

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
    public var prefetch: StatePrefetch? {
        Self.prefetch(engine.workflowName, ownWrites: stateCache?.ownWriteHint)
    }

    /// The fields the transport reads together with each batch: the header, or every part of a small state; while
    /// `ownWrites` is on (an engine whose kept states hit, `WorkflowStateCache.ownWriteHint`), the header only of a
    /// state this engine's consumer wrote last (its step then starts from the state it kept).
    public static func prefetch(_ workflowName: String, ownWrites: OwnWriteHint? = nil) -> StatePrefetch {
        StatePrefetch(
            namePrefix: Topics.workflowStatePrefetch(workflowName).namePrefix, fields: [StateField.header],
            wholeUpTo: 16, ownWrites: ownWrites)
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
    /// for, and acknowledges it with the outputs and the compare-and-set write of the changed parts. With an
    /// inline runner, the workflow task the batch triggers is replayed in the step and its result applied to the
    /// state before the commit (again, up to `inlineReplaysPerStep` times). A state that cannot be read or
    /// outputs that cannot be encoded retry the batch later.
    ///
    /// With sticky replay (`WorkflowTaskRunner.stickyReplays`), a workflow task that continues its method's parked
    /// replay carries only what changed and resumes it; if that replay cannot resume it after all, the step runs
    /// again with whole histories.
    public func step(
        _ inputs: [RoleInput<WorkflowEngineEnvelope>], context: RoleContext
    ) async throws -> BatchDisposition {
        let workflowId = inputs[0].value.message.workflowId
        let key = Topics.workflowState(engine.workflowName, workflowId: workflowId)
        let store = context.store
        let read: @Sendable ([String]?) async throws -> StateFields? = { fields in
            try await store.read(key, fields: fields.map { [StateField.header] + $0 })
        }
        // The transport read the state when it took the workflow's lock, unless this is a run after a conflict.
        let stored: StateFields?
        do {
            if let prefetched = context.prefetchedState, prefetched.key == key {
                stored = prefetched.fields
            } else {
                stored = try await read([])
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return Self.retry(workflowId, after: error)
        }
        // Taken once for both runs: a run again with whole histories starts from the same state.
        let start = StepStart(
            key: key, stored: stored, cached: stateCache?.take(workflowId, matching: stored), read: read)
        do {
            return try await step(inputs, from: start, context: context, sticky: true)
        } catch is StickyReplayMissed {
            return try await step(inputs, from: start, context: context, sticky: false)
        }
    }

    /// What a step starts from: the instance's state key, what was read of it, the state its last step kept (when
    /// that is what was read), and how to read more parts.
    private struct StepStart: Sendable {
        let key: StateKey
        let stored: StateFields?
        let cached: WorkflowState?
        let read: @Sendable ([String]?) async throws -> StateFields?
    }

    private func step(
        _ inputs: [RoleInput<WorkflowEngineEnvelope>], from start: StepStart, context: RoleContext,
        sticky useSticky: Bool
    ) async throws -> BatchDisposition {
        let envelopes = inputs.map(\.value)
        let workflowId = envelopes[0].message.workflowId
        let (key, stored, read) = (start.key, start.stored, start.read)
        // The parked replays of the instance's methods this step may resume; those it does not are dropped.
        let lease = useSticky ? inline?.stickyReplays.map { StickyLease(replays: $0, workflowId: workflowId) } : nil
        defer { lease?.release() }
        do {
            let now = context.now()
            let (first, before) = try await transition(
                for: envelopes, stored: stored, cached: start.cached, read: read, now: now,
                sticky: lease.map(Self.hint))
            var outcome = first.state
            var outputs = first.outputs
            var events = eventsOf(envelopes, before: before, transition: first, now: now)
            if let runner = inline {
                try await replayInline(
                    with: runner, workflowId: workflowId, state: &outcome, outputs: &outputs, events: &events,
                    read: read, context: context, lease: lease)
            }
            let commit = try commit(outcome, of: before, to: key, outputs: outputs, events: events, now: now)
            if let stateCache { Self.keep(outcome, of: before, stored: stored, writes: commit.writes, in: stateCache) }
            return .ack(commit)
        } catch is CancellationError {
            throw CancellationError()
        } catch let missed as StickyReplayMissed {
            throw missed
        } catch {
            return Self.retry(workflowId, after: error)
        }
    }

    /// The disposition of a step that failed with `error`: a retry in a second.
    @inline(never)
    private static func retry(_ workflowId: String, after error: any Error) -> BatchDisposition {
        BatchDisposition(
            .retry(after: .seconds(1), reason: "cannot apply messages to the state of \(workflowId): \(error)"))
    }

    /// The step's commit: the changed parts of the state (or its deletion), the outputs and the events, encoded.
    /// Synchronous and not inlined into `step`, so that its temporaries stay on the thread's stack instead of
    /// enlarging `step`'s async frame (which the task allocator takes from the heap at every message).
    @inline(never)
    private func commit(
        _ outcome: WorkflowEngineTransition.StateChange, of before: WorkflowState?, to key: StateKey,
        outputs: [Outbound], events: [CloudEvent], now: Date
    ) throws -> Commit {
        var writes: [StateWrite] = []
        switch outcome {
        case .unchanged:
            break
        case .updated(let state):
            writes += try state.writes(to: key, now: now)
        case .deleted:
            if let version = before?.version {
                writes.append(StateWrite(key: key, operation: .delete, expectedVersion: version))
            }
        }
        var messages = try outputs.map { try $0.outgoingMessage(codec: engine.codec) }
        if let message = try self.events?.message(events) { messages.append(message) }
        return Commit(messages: messages, writes: writes)
    }

    /// Keeps the state as the step leaves it for the instance's next step: as its writes store it, or as read when
    /// the step changed nothing.
    @inline(never)
    private static func keep(
        _ outcome: WorkflowEngineTransition.StateChange, of before: WorkflowState?, stored: StateFields?,
        writes: [StateWrite], in cache: WorkflowStateCache
    ) {
        switch outcome {
        case .updated(let state):
            for write in writes {
                if case .setFields(let fields, _, _) = write.operation, let header = fields[StateField.header] {
                    cache.keep(state.committed(), header: header)
                    return
                }
            }
        case .unchanged:
            if let before, let stored, before.version == stored.version,
                let header = stored.fields[StateField.header]
            {
                cache.keep(before.settled(), header: header)
            }
        case .deleted:
            break
        }
    }

    /// Replays the workflow task among `outputs` (the one the step dispatches to its own instance) with `runner`
    /// and applies its result to `state`, as the executor and a later step would, until the instance has no
    /// workflow task to run or `inlineReplaysPerStep` replays ran (the last task then goes to the executors).
    /// The replay's other messages (new commands) join `outputs`.
    private func replayInline(
        with runner: WorkflowTaskRunner, workflowId: String, state outcome: inout WorkflowEngineTransition.StateChange,
        outputs: inout [Outbound], events: inout [CloudEvent], read: @Sendable ([String]?) async throws -> StateFields?,
        context: RoleContext, lease: StickyLease?
    ) async throws {
        for round in 0..<Self.inlineReplaysPerStep {
            guard case .updated(let state) = outcome,
                let index = outputs.firstIndex(where: { Self.isWorkflowTask($0, of: workflowId) }),
                case .workflowExecutor(let task) = outputs[index]
            else { return }
            var replayed = try await runner.run(task, context: context, lease: lease)
            guard let resultIndex = replayed.firstIndex(where: { Self.isWorkflowTaskResult($0, of: workflowId) }),
                case .workflowEngine(var result) = replayed.remove(at: resultIndex)
            else { return }
            // The result counts as emitted at the workflow task's instant, not at the clock's: the instant of the
            // next workflow task, and so the ids of the commands its replay creates, derive from it. A step run
            // again (its commit failed after messages to other partitions went out) then creates the same ids.
            result.emittedAt = task.message.instant
            outputs.remove(at: index)
            outputs += replayed
            let now = context.now()
            var current: WorkflowState? = state
            // The last round's workflow task goes to the executors: it carries the whole history.
            let last = round == Self.inlineReplaysPerStep - 1
            let next = try await run(
                [result], on: &current, read: read, now: now, strict: true,
                sticky: last ? nil : lease.map(Self.hint))
            events += eventsOf([result], before: current, transition: next, now: now)
            outputs += next.outputs
            if case .unchanged = next.state { return }
            outcome = next.state
        }
    }

    /// Whether `output` is a workflow task for the instance `workflowId` of this workflow.
    private static func isWorkflowTask(_ output: Outbound, of workflowId: String) -> Bool {
        guard case .workflowExecutor(let envelope) = output else { return false }
        return envelope.message.workflowId == workflowId
    }

    /// Whether `output` is the result of a workflow task of the instance `workflowId`, for its state engine.
    private static func isWorkflowTaskResult(_ output: Outbound, of workflowId: String) -> Bool {
        guard case .workflowEngine(let envelope) = output, case .workflowTaskCompleted = envelope.message else {
            return false
        }
        return envelope.message.workflowId == workflowId
    }

    @inline(never)
    private func eventsOf(
        _ envelopes: [WorkflowEngineEnvelope], before: WorkflowState?, transition: WorkflowEngineTransition,
        now: Date
    ) -> [CloudEvent] {
        guard let settings = events else { return [] }
        return WorkflowEvents.events(
            of: envelopes, before: before, transition: transition, now: now, settings: settings)
    }

    /// Runs the engine from the stored state (or `cached`, the same state already decoded). Returns the transition
    /// and the state it started from (with the parts read).
    private func transition(
        for envelopes: [WorkflowEngineEnvelope], stored: StateFields?, cached: WorkflowState?,
        read: @Sendable ([String]?) async throws -> StateFields?, now: Date, sticky: StickyHint?
    ) async throws -> (WorkflowEngineTransition, WorkflowState?) {
        var state = try cached ?? stored.map { try engine.state(stored: $0) }
        let transition = try await run(envelopes, on: &state, read: read, now: now, strict: false, sticky: sticky)
        return (transition, state)
    }

    /// Where a parked replay of a method stands (`WorkflowStateEngine.handle(_:state:now:sticky:)`).
    typealias StickyHint = @Sendable (_ methodId: String) -> StickyPoint?

    /// The hint of the parked replays `lease` took.
    private static func hint(_ lease: StickyLease) -> StickyHint {
        { lease.point(methodId: $0) }
    }

    /// Runs the engine on `state`, reading the parts it asks for, until it needs nothing more; `state` ends with
    /// the parts read. Unless `strict`, a state that changed meanwhile is read again whole; a state with changes
    /// not written yet (a transition of this step ran on it) must not be: `strict` throws `WorkflowStateChanged`.
    private func run(
        _ envelopes: [WorkflowEngineEnvelope], on state: inout WorkflowState?,
        read: @Sendable ([String]?) async throws -> StateFields?, now: Date, strict: Bool, sticky: StickyHint?
    ) async throws -> WorkflowEngineTransition {
        if let current = state {
            let likely = current.unread(WorkflowStateEngine.likelyParts(of: envelopes))
            if !likely.isEmpty { state = try await merge(likely, into: current, read: read, strict: strict) }
        }
        for _ in 0..<Self.partialReadRounds {
            do {
                return try engine.handle(envelopes, state: state, now: now, sticky: sticky)
            } catch let needed as StatePartsNeeded {
                guard let current = state else { throw needed }
                state = try await merge(needed.fields, into: current, read: read, strict: strict)
            }
        }
        if strict { throw WorkflowUsageError("the step kept asking for parts of the state it had read") }
        state = try await read(nil).map { try engine.state(stored: $0) }
        return try engine.handle(envelopes, state: state, now: now, sticky: sticky)
    }

    /// `state` with `fields` read; the whole state read afresh when it changed meanwhile (nil if it is gone),
    /// or, if `strict`, `WorkflowStateChanged`.
    private func merge(
        _ fields: Set<String>, into state: WorkflowState, read: @Sendable ([String]?) async throws -> StateFields?,
        strict: Bool
    ) async throws -> WorkflowState? {
        var merged = state
        if let fresh = try await read(fields.sorted()) {
            do {
                try merged.merge(fresh, asked: fields)
                return merged
            } catch let changed as WorkflowStateChanged {
                if strict { throw changed }
            }
        } else if strict {
            throw WorkflowStateChanged(expected: state.version, found: 0)
        }
        return try await read(nil).map { try engine.state(stored: $0) }
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
