/// How a client connects and behaves. Defaulted: `ClientConfiguration(transport: .redis(url: "redis://…"))`
/// (`.redis` comes with `import InfiniticRedis`).
public struct ClientConfiguration: Sendable {
    /// Opened when the client is created, closed with it.
    public var transport: any TransportFactory
    /// The client's name, which must be unique among running clients (its responses topic is
    /// `client:<name>`). nil (the default) draws `client-<uuid>`.
    public var name: String?
    /// How long a synchronous call (`try await trip.run(x)`) waits for the workflow's outcome before throwing
    /// `InfiniticError.timedOut`; nil waits as long as it takes. The workflow goes on either way.
    public var callTimeout: Duration?
    /// How long id lookups by tag wait for the tag engine's answer.
    public var queryTimeout: Duration
    /// The codec of messages and payloads: `BinaryPayloadCodec` by default, `JSONPayloadCodec` to read them in
    /// Redis. Must be the same for every worker and client of a deployment.
    public var codec: any PayloadCodec
    /// What every operation of the client passes (the `client…` hooks of `InfiniticInterceptor`): none by
    /// default.
    public var interceptors: Interceptors

    public init(
        transport: any TransportFactory, name: String? = nil, callTimeout: Duration? = nil,
        queryTimeout: Duration = .seconds(30), codec: any PayloadCodec = BinaryPayloadCodec(),
        interceptors: Interceptors = []
    ) {
        self.transport = transport
        self.name = name
        self.callTimeout = callTimeout
        self.queryTimeout = queryTimeout
        self.codec = codec
        self.interceptors = interceptors
    }
}
