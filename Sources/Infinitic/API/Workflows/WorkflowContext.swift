import Foundation

/// The only door of workflow code to the outside world. Everything it does goes through history so that the
/// code can be replayed: typed stubs of services and workflows, `dispatch`, `inline`, deterministic time, the
/// instance's identity.
public final class WorkflowContext: Sendable {
    let execution: WorkflowExecution

    init(execution: WorkflowExecution) {
        self.execution = execution
    }

    public var workflowId: String { execution.task.workflowId }
    public var workflowName: String { execution.task.workflowName }
    /// The running method (the first method's id is the workflow id).
    public var methodId: String { execution.task.method.methodId }
    public var methodName: String { execution.task.method.methodName }
    /// The version of the workflow the instance runs (`WorkflowDefinition.version`), the same for its whole life.
    public var workflowVersion: Int { execution.task.workflowVersion ?? 0 }
    public var tags: Set<String> { execution.task.tags }
    public var meta: [String: String] { execution.task.meta }
    /// The headers of the message that started the running method (see `Envelope.headers`); its tasks and
    /// commands carry them.
    public var headers: [String: String] { execution.headers }

    /// Deterministic time: the instant of the workflow task that first ran the code being executed.
    public var now: Date { execution.now }

    /// Deterministic random numbers: every replay draws the same ones (`Int.random(in: 1...6, using: &random)`
    /// with `var random = context.random`).
    public var random: WorkflowRandom { WorkflowRandom(execution: execution) }

    /// A stub of a service (`context.service(HotelBookingStub.self)`, or `let hotel: HotelBookingStub =
    /// context.service()`): calling a method runs it as a task and waits for its result; inside `dispatch`
    /// it only starts the task. Tasks get `tags` and `meta`.
    /// With a `timeout`, awaiting a task throws `TaskTimedOutError` once it passed (the task itself goes on; its
    /// late result is ignored).
    public func service<Stub: ServiceStub>(
        _ stub: Stub.Type = Stub.self, tags: Set<String> = [], meta: [String: String] = [:], timeout: Duration? = nil
    ) -> Stub {
        Stub(invoker: invoker(.service(name: Stub.serviceName, tags: tags, meta: meta), timeout: timeout))
    }

    /// A stub of the workflow instance `id` (of the stub's workflow name): calling a method starts that method
    /// on the instance and waits for its outcome; inside `dispatch` it only starts it. With a `timeout`,
    /// awaiting it throws `WorkflowTimedOutError` once it passed.
    public func workflow<Stub: WorkflowStub>(
        _ stub: Stub.Type = Stub.self, id: String, timeout: Duration? = nil
    ) -> Stub {
        Stub(
            invoker: invoker(
                .workflow(name: Stub.workflowName, id: id), timeout: timeout, methodTimeouts: Stub.methodTimeouts))
    }

    /// A stub starting child workflows: each call starts a new instance (with `tags` and `meta`) whose id is the
    /// command id, and waits for its outcome (inside `dispatch`, only starts it). A child's failure reaches the
    /// parent as a `WorkflowFailedError` nesting the child's cause; canceling the parent cancels its children.
    public func workflow<Stub: WorkflowStub>(
        _ stub: Stub.Type = Stub.self, tags: Set<String> = [], meta: [String: String] = [:], timeout: Duration? = nil
    ) -> Stub {
        Stub(
            invoker: invoker(
                .newWorkflow(name: Stub.workflowName, tags: tags, meta: meta), timeout: timeout,
                methodTimeouts: Stub.methodTimeouts))
    }

    /// The channel `name` of this instance, carrying signals of type `Value`.
    public func channel<Value: Codable & Sendable>(
        _ type: Value.Type = Value.self, named name: String
    ) -> WorkflowChannel<Value> {
        WorkflowChannel(name: name, execution: execution)
    }

    /// Sends `signal` on the channel `channel` of the instance `id` of the stub's workflow (see
    /// `WorkflowChannel`); the signal id is the command id.
    public func send<Stub: WorkflowStub, Value: Codable & Sendable>(
        _ signal: Value, to channel: String, of stub: Stub.Type, id: String
    ) throws {
        try send(signal, to: channel, workflowName: Stub.workflowName, id: id, tag: nil)
    }

    /// Sends `signal` on the channel `channel` of every instance of the stub's workflow carrying `tag`.
    public func send<Stub: WorkflowStub, Value: Codable & Sendable>(
        _ signal: Value, to channel: String, of stub: Stub.Type, tag: String
    ) throws {
        try send(signal, to: channel, workflowName: Stub.workflowName, id: nil, tag: tag)
    }

    private func send<Value: Codable & Sendable>(
        _ signal: Value, to channel: String, workflowName: String, id: String?, tag: String?
    ) throws {
        var descriptor = CommandDescriptor(
            kind: .signal, targetName: channel, methodName: workflowName,
            arguments: [try execution.codec.payload(signal)],
            targetWorkflowId: id)
        descriptor.targetTag = tag
        _ = try execution.command(descriptor)
    }

    /// An invoker whose calls time out after `timeout`, else after their method's entry in `methodTimeouts`.
    private func invoker(
        _ target: InvocationTarget, timeout: Duration?, methodTimeouts: [String: Duration] = [:]
    ) -> StubInvoker {
        guard timeout != nil || !methodTimeouts.isEmpty else {
            return StubInvoker(target: target, handler: execution, codec: execution.codec)
        }
        return StubInvoker(
            target: target,
            handler: TimedInvocation(execution: execution, timeout: timeout, methodTimeouts: methodTimeouts),
            codec: execution.codec)
    }

    /// A stub of this very instance, to run another of its methods concurrently (they share properties).
    public func thisWorkflow<Stub: WorkflowStub>(_ stub: Stub.Type = Stub.self) -> Stub {
        Stub(
            invoker: StubInvoker(
                target: .workflow(name: workflowName, id: workflowId), handler: execution, codec: execution.codec))
    }

    /// Starts another method of this very instance without waiting for it (the methods share the instance's
    /// properties): `let refresh = try await context.dispatch(this: BookTripStub.refresh, trip)`.
    public func dispatch<Stub: WorkflowStub, each Argument, Value: Decodable & Sendable>(
        this method: (Stub) -> (repeat each Argument) async throws -> Value, _ arguments: repeat each Argument
    ) async throws -> Deferred<Value> {
        let this = thisWorkflow(Stub.self)
        return try await dispatch { try await method(this)(repeat each arguments) }
    }

    /// Starts another method of this very instance, which returns nothing, without waiting for it.
    public func dispatch<Stub: WorkflowStub, each Argument>(
        this method: (Stub) -> (repeat each Argument) async throws -> Void, _ arguments: repeat each Argument
    ) async throws -> Deferred<Void> {
        let this = thisWorkflow(Stub.self)
        return try await dispatch { try await method(this)(repeat each arguments) }
    }

    /// Starts the one stub call made in `call` without waiting for it:
    /// `let hotel = try await context.dispatch { try await hotelStub.book(request) }`.
    public func dispatch<Value: Decodable & Sendable>(
        _ call: () async throws -> Value
    ) async throws
        -> Deferred<Value>
    {
        let codec = execution.codec
        let commandId = try await execution.capturingDispatch { _ = try await call() }
        return Deferred(step: .command(commandId), execution: execution) { result in
            guard case .value(let payload) = result else {
                throw WorkflowUsageError("a command step resolved to \(result)")
            }
            return try codec.value(Value.self, from: payload)
        }
    }

    /// Starts the one stub call made in `call`, which returns nothing, without waiting for it.
    public func dispatch(_ call: () async throws -> Void) async throws -> Deferred<Void> {
        let commandId = try await execution.capturingDispatch { try await call() }
        return Deferred(step: .command(commandId), execution: execution) { _ in () }
    }

    /// Runs a non-deterministic snippet once and records its result; replays return the recorded result. An
    /// error it throws is recorded too and thrown (as its `ErrorDescription`) now and on every replay. It must
    /// not use the context.
    public func inline<Value: Codable & Sendable>(_ body: () throws -> Value) throws -> Value {
        try execution.inline(body)
    }

    /// Completes when all complete, with their values in declaration order: `let (h, f) = try await
    /// context.all(hotel, flight).value`. Fails with the first failure. Combinations nest: `context.first(of:
    /// context.all(hotel, car), flight)` is Infinitic's `(hotel and car) or flight`.
    public func all<each Value: Sendable>(_ deferreds: repeat Deferred<each Value>) -> Deferred<(repeat each Value)> {
        let steps = Self.steps(of: repeat each deferreds)
        let transforms = (repeat (each deferreds).transform)
        let count = steps.count
        return Deferred(step: .all(steps), execution: execution) { result in
            guard case .all(let results) = result, results.count == count else {
                throw WorkflowUsageError("an `all` step resolved to \(result)")
            }
            var index = 0
            func next<V>(_ transform: @Sendable (StepResult) throws -> V) throws -> V {
                defer { index += 1 }
                return try transform(results[index])
            }
            return (repeat try next(each transforms))
        }
    }

    /// Completes with the first of `deferreds` to complete, whatever their types: its value at its place in the
    /// tuple, nil at the others (`let (both, flight) = try await context.first(of: context.all(hotel, car),
    /// flight).value`). Fails if all fail, with the last failure.
    public func first<each Value: Sendable>(
        of deferreds: repeat Deferred<each Value>
    ) -> Deferred<(repeat (each Value)?)> {
        let steps = Self.steps(of: repeat each deferreds)
        let transforms = (repeat (each deferreds).transform)
        let count = steps.count
        return Deferred(step: .any(steps), execution: execution) { result in
            guard case .first(let winner, let branch) = result, winner < count else {
                throw WorkflowUsageError("a `first` step resolved to \(result)")
            }
            var index = 0
            func pick<V>(_ transform: @Sendable (StepResult) throws -> V) throws -> V? {
                defer { index += 1 }
                return index == winner ? try transform(branch) : nil
            }
            return (repeat try pick(each transforms))
        }
    }

    /// The steps of `deferreds`, in order.
    private static func steps<each Value>(of deferreds: repeat Deferred<each Value>) -> [StepSpec] {
        var steps: [StepSpec] = []
        for deferred in repeat each deferreds {
            steps.append(deferred.step)
        }
        return steps
    }
}
