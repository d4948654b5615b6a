/// A service implementation registered by name: its methods callable by name with encoded arguments, and the
/// retry policy of its tasks.
///
/// ```swift
/// let hotel = ServiceDefinition(HotelServiceStub.self, implementation: Hotels(), retryPolicy: .exponential)
/// ```
///
/// By hand, without a stub: `ServiceDefinition(name: "Hotels", implementation: Hotels()) { $0.add("book",
/// Hotels.book) }`.
public struct ServiceDefinition: Sendable {
    public let name: String
    /// Applied when a task fails. No retry unless configured.
    public var retryPolicy: RetryPolicy
    /// How long one attempt of any method may run before it fails with a `TaskExecutionTimeoutError` (then the
    /// retry policy applies). nil: no limit (the default).
    public var executionTimeout: Duration?
    /// Per-method execution timeouts, overriding `executionTimeout`.
    public var methodExecutionTimeouts: [String: Duration] = [:]
    private let invokeMethod: @Sendable (String, [Payload], any PayloadCodec) async throws -> Payload
    public internal(set) var methodNames: Set<String>
    /// The result type of each method (`String(reflecting:)`), checked when a delegated task is completed.
    public internal(set) var resultTypes: [String: String]
    /// Methods whose tasks complete when a client calls `InfiniticClient.completeDelegatedTask`: what their
    /// implementation returns is ignored (it only starts the work, e.g. asks a person or another system).
    public var delegatedMethods: Set<String> = []
    /// Methods whose tasks run in batches (`batch(_:maxMessages:maxWait:_:)`), by name.
    public internal(set) var batchMethods: [String: BatchMethod] = [:]

    /// Registers `implementation` under `name`, with the methods `methods` adds (a method table written by hand).
    public init<Implementation: Sendable>(
        name: String, implementation: Implementation, retryPolicy: RetryPolicy = .none,
        executionTimeout: Duration? = nil, methods: (inout MethodTable<Implementation>) -> Void
    ) {
        var table = MethodTable<Implementation>()
        methods(&table)
        self.name = name
        self.retryPolicy = retryPolicy
        self.executionTimeout = executionTimeout
        self.methodNames = table.methodNames
        self.resultTypes = table.resultTypes
        self.invokeMethod = { [table] method, arguments, codec in
            try await table.invoke(method, on: implementation, arguments: arguments, codec: codec)
        }
    }

    /// Registers `implementation` under the stub's service name (or `name` if given), with the contract's method
    /// table. The compiler checks that `implementation` conforms to the stub's contract.
    public init<Stub: ServiceStub>(
        _ stub: Stub.Type, implementation: Stub.Implementation, name: String? = nil,
        retryPolicy: RetryPolicy = .none, executionTimeout: Duration? = nil
    ) {
        self.init(
            name: name ?? Stub.serviceName, implementation: implementation, retryPolicy: retryPolicy,
            executionTimeout: executionTimeout, methods: Stub.register)
    }

    /// The execution timeout of `method`: its own, or the service's.
    public func executionTimeout(for method: String) -> Duration? {
        methodExecutionTimeouts[method] ?? executionTimeout
    }

    /// A copy where attempts of `method` may run at most `timeout`.
    public func withExecutionTimeout(_ timeout: Duration, for method: String) -> ServiceDefinition {
        var definition = self
        definition.methodExecutionTimeouts[method] = timeout
        return definition
    }

    /// A copy where the tasks of `method` are delegated: they complete when a client calls
    /// `completeDelegatedTask(_:taskId:result:)` with their `TaskContext.taskId`, possibly hours later and from
    /// another process; the implementation's return value is ignored (a failure still fails the task).
    ///
    /// ```swift
    /// ServiceDefinition(ReviewsStub.self, implementation: Reviews()).delegated("approve")
    /// ```
    public func delegated(_ method: String) -> ServiceDefinition {
        var definition = self
        definition.delegatedMethods.insert(method)
        return definition
    }

    /// Calls `method` with encoded `arguments` and returns the encoded result.
    public func invoke(method: String, arguments: [Payload], codec: any PayloadCodec) async throws -> Payload {
        try await invokeMethod(method, arguments, codec)
    }
}
