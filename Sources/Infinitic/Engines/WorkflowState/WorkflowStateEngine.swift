import Foundation
import InfiniticTransport

/// The workflow state engine as a pure step: `(messages, state?) -> (state changes, outgoing messages)`. The
/// only writer of workflow states. One engine serves one workflow name.
///
/// Rules (DESIGN.md section 3):
/// - one workflow task in flight per instance; events that arrive meanwhile are recorded and the next workflow
///   task sees them;
/// - ignored: the message last applied again, a workflow-task result that is not the running task's, a result
///   for an already terminated command or for a method that left the state, a method id seen before (a waiting
///   client is attached instead);
/// - a command result that arrives before the workflow-task result recording its command is kept and applied
///   when the command is recorded;
/// - a method's outcome goes to its waiting clients and, if a workflow started it, to that workflow;
/// - a method that returned and whose commands all ended leaves the state (its id is remembered for a while,
///   so a late duplicate of its dispatch is ignored); the state is deleted (and the instance's tags removed)
///   once no method is left; a failed method keeps the state (so it can be retried);
/// - with a `resultRetention`, the outcome of a method that leaves (completed, or canceled with the instance)
///   stays in the state, one field per method, until the retention is over: a `WaitMethod` for it is answered
///   with it. An instance with nothing left then only keeps those outcomes (it is closed: its tags go, a new
///   `DispatchWorkflow` replaces it), and its state expires in the store when the last retention is over. The
///   outcomes of methods that leave a running instance are forgotten by an `ExpireOutcomes` it sends itself
///   with a delay.
///
/// The messages of one batch (several messages for one instance waiting together, such as the results of a
/// fan-out) are applied in order in one step: one state read, one commit, at most one workflow task.
public struct WorkflowStateEngine: Sendable {
    public let workflowName: String
    /// The name stamped on emitted messages.
    public let emitterName: String
    /// Encodes the parts of the states it creates.
    public let codec: any PayloadCodec
    /// How long the outcome of a method that left the state can still be asked for (zero: not at all).
    public let resultRetention: Duration
    /// Whether the engine sends a long method's next workflow task, with only what changed, to the executor that
    /// keeps its replay parked (`WorkflowTaskCompleted.parkedAt`), and how long that executor has to complete it
    /// before the task goes whole to the shared executor topic (nil: every workflow task goes whole to the shared
    /// topic). See `WorkerConfiguration.stickyTaskTimeout`.
    public var stickyTaskTimeout: Duration?

    public init(
        workflowName: String, emitterName: String, codec: any PayloadCodec = BinaryPayloadCodec(),
        resultRetention: Duration = .zero
    ) {
        self.workflowName = workflowName
        self.emitterName = emitterName
        self.codec = codec
        self.resultRetention = resultRetention
    }

    private var retention: TimeInterval { max(0, resultRetention.inSeconds) }

    private var stickyTimeout: TimeInterval? {
        guard let stickyTaskTimeout, stickyTaskTimeout > .zero else { return nil }
        return stickyTaskTimeout.inSeconds
    }

    /// The state read from the store. (Not inlined, as `handle`: the state engine role's async frames, allocated
    /// at every step, stay smaller; `Scripts/async-frames.py`.)
    @inline(never)
    func state(stored: StateFields) throws -> WorkflowState {
        try WorkflowState(stored: stored, codec: codec)
    }

    /// Applies `envelopes`, in order, to `state` (nil if the instance has no state). `now` stamps emitted
    /// messages. Throws `StatePartsNeeded` when a part of the state that was not read is needed.
    ///
    /// `sticky` says where the parked replay of a method of the instance stands, if one is parked where the
    /// workflow task the step dispatches runs (see `StickyReplays`): a workflow task that continues it carries only
    /// what changed (`WorkflowTask.historyFrom`).
    @inline(never)
    public func handle(
        _ envelopes: [WorkflowEngineEnvelope], state stored: WorkflowState?, now: Date,
        sticky: (@Sendable (_ methodId: String) -> StickyPoint?)? = nil
    ) throws -> WorkflowEngineTransition {
        var machine: WorkflowStateMachine? = stored.map {
            WorkflowStateMachine(
                state: $0, stamp: stamp(for: envelopes.first, now: now), retention: retention, sticky: sticky,
                stickyTimeout: stickyTimeout)
        }
        var outputs: [Outbound] = []
        var applied = false
        var trigger = Date.distantPast
        for envelope in envelopes {
            var stamp = stamp(for: envelope, now: now)
            // Taken out of `machine` while it changes: a second reference would copy its state at each message.
            if var current = machine.take() {
                if try !current.isReplaced(by: envelope) {
                    if try !current.isIgnored(envelope) {
                        current.restamp(stamp)
                        try current.receive(envelope)
                        applied = true
                        trigger = envelope.emittedAt
                    }
                    if current.deleted {
                        outputs += current.outputs
                    } else {
                        machine = current
                    }
                    continue
                }
                machine = current
            }
            let (created, answer) = handleWithoutState(envelope, stamp: &stamp, replacing: stored?.version)
            outputs += answer
            if let created {
                applied = true
                trigger = envelope.emittedAt
                machine = created
            }
        }
        guard applied else { return WorkflowEngineTransition(state: .unchanged, outputs: outputs) }
        guard var current = machine else {
            return WorkflowEngineTransition(state: stored == nil ? .unchanged : .deleted, outputs: outputs)
        }
        try current.advance(trigger: trigger)
        outputs += current.outputs
        return WorkflowEngineTransition(state: .updated(current.state), outputs: outputs)
    }

    /// Applies one message (see `handle(_:state:now:)`).
    public func handle(
        _ envelope: WorkflowEngineEnvelope, state: WorkflowState?, now: Date
    ) throws -> WorkflowEngineTransition {
        try handle([envelope], state: state, now: now)
    }

    private func stamp(for envelope: WorkflowEngineEnvelope?, now: Date) -> MessageStamp {
        MessageStamp(
            inputMessageId: envelope?.messageId ?? "", emitterName: emitterName, now: now,
            headers: envelope?.headers ?? [:])
    }

    /// A message for an instance without state: creates it (`DispatchWorkflow`), or answers that the method is
    /// unknown, or is ignored (a late message for an instance that ended).
    private func handleWithoutState(
        _ envelope: WorkflowEngineEnvelope, stamp: inout MessageStamp, replacing version: Int?
    ) -> (WorkflowStateMachine?, [Outbound]) {
        switch envelope.message {
        case .dispatchWorkflow(let dispatch):
            let header = WorkflowStateHeader(
                workflowName: dispatch.workflowName, workflowId: dispatch.workflowId, tags: dispatch.tags,
                meta: dispatch.meta, createdAt: envelope.emittedAt)
            var machine = WorkflowStateMachine(
                state: WorkflowState(header: header, codec: codec, replacingVersion: version),
                stamp: stamp, retention: retention, stickyTimeout: stickyTimeout)
            machine.create(envelope, dispatch)
            return (machine, [])
        case .dispatchMethod(let dispatch):
            let unknown = WorkflowUnknownError(
                workflowName: dispatch.workflowName, workflowId: dispatch.workflowId, methodId: dispatch.methodId)
            return (nil, Self.unknown(unknown, to: envelope.requester, stamp: &stamp))
        case .waitMethod(let wait):
            let unknown = WorkflowUnknownError(
                workflowName: wait.workflowName, workflowId: wait.workflowId, methodId: wait.methodId)
            return (nil, Self.unknown(unknown, to: envelope.requester, stamp: &stamp))
        case .cancelWorkflow, .commandResult, .workflowTaskCompleted, .sendSignal, .completeTimers,
            .retryWorkflowTask, .retryTasks, .expireOutcomes, .redispatchWorkflowTask, .watchStickyTask:
            // A late message for an instance already ended (and deleted), or canceled; a signal for an instance
            // that does not run is discarded; nothing is left to retry.
            return (nil, [])
        }
    }

    /// Tells `requester` that a method does not exist.
    static func unknown(
        _ error: WorkflowUnknownError, to requester: Requester?, stamp: inout MessageStamp
    ) -> [Outbound] {
        switch requester {
        case .client(let name):
            return [.client(name: name, stamp.envelope(.methodUnknown(error), requester: requester))]
        case .workflow(let name, let id, let methodId):
            let result = CommandResult(
                workflowName: name, workflowId: id, methodId: methodId, commandId: error.methodId ?? error.workflowId,
                outcome: .failed(.workflowUnknown(error)))
            return [.workflowEngine(stamp.envelope(.commandResult(result), requester: requester))]
        case nil:
            return []
        }
    }

    /// The parts of the state that `envelopes` will likely need besides the header, read together with it to
    /// save round trips (a step asks for what is still missing by throwing `StatePartsNeeded`).
    public static func likelyParts(of envelopes: [WorkflowEngineEnvelope]) -> Set<String> {
        var fields: Set<String> = []
        for envelope in envelopes {
            switch envelope.message {
            case .commandResult(let result):
                fields.insert(StateField.command(result.commandId))
            case .workflowTaskCompleted(let completed):
                fields.insert(StateField.method(completed.methodId))
                if completed.output.newCommands.contains(where: { $0.descriptor.kind == .receive }) {
                    fields.insert(StateField.receives)
                }
                switch completed.output.outcome {
                case .waiting(let step):
                    let new = Set(completed.output.newCommands.map(\.id))
                    for id in step.step.commandIds where !new.contains(id) { fields.insert(StateField.command(id)) }
                case .returned, .threw, .workflowTaskFailed:
                    fields.insert(StateField.endedMethods)
                }
            case .dispatchMethod(let dispatch):
                fields.insert(StateField.method(dispatch.methodId))
                fields.insert(StateField.endedMethods)
            case .dispatchWorkflow(let dispatch):
                fields.insert(StateField.method(dispatch.methodId))
            case .waitMethod(let wait):
                fields.insert(StateField.method(wait.methodId))
                fields.insert(StateField.retained(wait.methodId))
            case .sendSignal:
                fields.insert(StateField.receives)
            case .completeTimers(let complete):
                if let methodId = complete.methodId { fields.insert(StateField.method(methodId)) }
            case .redispatchWorkflowTask(let redispatch):
                fields.insert(StateField.method(redispatch.methodId))
            case .cancelWorkflow, .retryWorkflowTask, .retryTasks, .expireOutcomes, .watchStickyTask:
                break
            }
        }
        return fields
    }
}
