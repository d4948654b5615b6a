/// Something a workflow dispatched (a task, a workflow method) or a combination of such. Awaiting its `value`
/// waits for the outcome (only awaiting throws); `status` says where it stands as of the current workflow task.
public struct Deferred<Value: Sendable>: Sendable {
    private let fixedStep: StepSpec
    /// For a receive: which of its signals the next await takes.
    let cursor: ReceiveCursor?
    /// nil only for a combination of no deferred at all.
    let execution: WorkflowExecution?
    let transform: @Sendable (StepResult) throws -> Value

    init(
        step: StepSpec, execution: WorkflowExecution?, cursor: ReceiveCursor? = nil,
        transform: @escaping @Sendable (StepResult) throws -> Value
    ) {
        self.fixedStep = step
        self.execution = execution
        self.cursor = cursor
        self.transform = transform
    }

    /// What awaiting waits on (for a receive: its next signal; a combination including it does not consume it).
    public var step: StepSpec { cursor?.current ?? fixedStep }

    /// Waits for the outcome: the value, or the typed error (`TaskFailedError`, `WorkflowFailedError`...).
    public var value: Value {
        get async throws {
            guard let execution else {
                // An empty `and` completes at once; an empty `or` would never complete.
                guard case .completed(let result, _) = StepOutcome.evaluate(step, asOf: 0, command: { _ in nil }) else {
                    throw WorkflowUsageError("awaiting `or` of no deferred at all")
                }
                return try transform(result)
            }
            return try transform(try await execution.awaitStep(cursor?.consume() ?? fixedStep))
        }
    }

    /// Same as `value`, with Infinitic's spelling.
    public func `await`() async throws -> Value {
        try await value
    }

    /// The status as of the workflow task running this code.
    public var status: DeferredStatus {
        guard let execution else { return step == .all([]) ? .completed : .ongoing }
        return execution.status(of: step)
    }

    public var isOngoing: Bool { status == .ongoing }
    public var isCompleted: Bool { status == .completed }
    public var isFailed: Bool { status == .failed }
    public var isCanceled: Bool { status == .canceled }
    public var isUnknown: Bool { status == .unknown }
    public var isTimedOut: Bool { status == .timedOut }

    /// The command id (the task id, the method id, the child workflow id, the timer id...) when this is a single
    /// command.
    public var id: String? {
        if let cursor { return cursor.receiveId }
        if case .command(let id) = step { return id }
        return nil
    }

    /// Completes with `transform` of this deferred's value (run in the replay: deterministic code only), or fails
    /// as this one does. With it, deferreds of different types combine: `context.first(of: context.all(hotel,
    /// car).map(Choice.both), flight.map(Choice.flight))`.
    public func map<Mapped: Sendable>(_ transform: @escaping @Sendable (Value) throws -> Mapped) -> Deferred<Mapped> {
        let original = self.transform
        return Deferred<Mapped>(step: fixedStep, execution: execution, cursor: cursor) {
            try transform(try original($0))
        }
    }

    /// Completes with the values of `self` and `others`, in declaration order; fails with the first failure.
    public func and(_ others: Deferred<Value>...) -> Deferred<[Value]> {
        ([self] + others).and()
    }

    /// Completes with the first of `self` and `others` to complete; fails if all fail.
    public func or(_ others: Deferred<Value>...) -> Deferred<Value> {
        ([self] + others).or()
    }
}

extension Array {
    /// Completes with all the values, in declaration order; fails with the first failure.
    public func and<Value: Sendable>() -> Deferred<[Value]> where Element == Deferred<Value> {
        let transforms = map(\.transform)
        return Deferred<[Value]>(step: .all(map(\.step)), execution: first?.execution) { result in
            guard case .all(let results) = result, results.count == transforms.count else {
                throw WorkflowUsageError("an `and` step resolved to \(result)")
            }
            return try zip(transforms, results).map { transform, result in try transform(result) }
        }
    }

    /// Completes with the first value to complete; fails if all fail.
    public func or<Value: Sendable>() -> Deferred<Value> where Element == Deferred<Value> {
        let transforms = map(\.transform)
        return Deferred<Value>(step: .any(map(\.step)), execution: first?.execution) { result in
            guard case .first(let index, let branch) = result, transforms.indices.contains(index) else {
                throw WorkflowUsageError("an `or` step resolved to \(result)")
            }
            return try transforms[index](branch)
        }
    }
}
