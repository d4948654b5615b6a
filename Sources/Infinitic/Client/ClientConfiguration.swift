/// How a client connects and behaves. Defaulted: `ClientConfiguration(transport: .redis(url: "redis://…"))`
/// (`.redis` comes with `import InfiniticRedis`).
public struct ClientConfiguration: Sendable {
    /// Opened when the client is created, closed with it.
    public var transport: any TransportFactory
    /// The client's name, which must be unique among running clients (its responses topic is
    /// `client:<name>`). nil (the default) draws `client-<uuid>`.
    public var name: String?
    /// How long a synchronous call (`try await trip.run(x)`) and `WorkflowHandle.result()` wait for the
    /// workflow's outcome before throwing `InfiniticError.timedOut`: 5 minutes by default
    /// (`defaultCallTimeout`); nil waits as long as it takes. The workflow goes on either way.
    public var callTimeout: Duration?
    /// What a dispatch to a workflow no worker has ever served does: fail (after a short grace for workers
    /// starting at the same moment) by default, or warn and let the message wait.
    public var unservedWorkflows: UnservedWorkflowPolicy

    /// The default `callTimeout`.
    public static let defaultCallTimeout: Duration = .seconds(300)
    /// How long id lookups by tag wait for the tag engine's answer.
    public var queryTimeout: Duration
    /// The codec of messages and payloads: `BinaryPayloadCodec` by default, `JSONPayloadCodec` to read them in
    /// Redis. Must be the same for every worker and client of a deployment.
    public var codec: any PayloadCodec
    /// What every operation of the client passes (the `client…` hooks of `InfiniticInterceptor`): none by
    /// default.
    public var interceptors: Interceptors

    public init(
        transport: any TransportFactory, name: String? = nil, callTimeout: Duration? = defaultCallTimeout,
        queryTimeout: Duration = .seconds(30), codec: any PayloadCodec = BinaryPayloadCodec(),
        interceptors: Interceptors = [], unservedWorkflows: UnservedWorkflowPolicy = .default
    ) {
        self.transport = transport
        self.name = name
        self.callTimeout = callTimeout
        self.unservedWorkflows = unservedWorkflows
        self.queryTimeout = queryTimeout
        self.codec = codec
        self.interceptors = interceptors
    }
}
