/// Makes a protocol a service contract: generates the stub callers use (`<Name>Stub`) and the method table of
/// its implementations (`register`), which would otherwise be written by hand.
///
/// ```swift
/// @Service public protocol HotelService: Sendable {
///     func book(_ trip: Trip) async throws -> Booking
///     func cancel(_ reference: String) async throws
/// }
///
/// // Generated:
/// public struct HotelServiceStub: HotelService, ServiceStub {
///     public typealias Contract = any HotelService
///     public let invoker: StubInvoker
///     public init(invoker: StubInvoker) { self.invoker = invoker }
///     public func book(_ trip: Trip) async throws -> Booking { try await invoker.call("book", trip) }
///     public func cancel(_ reference: String) async throws { try await invoker.call("cancel", reference) }
///     public static func register<Implementation: HotelService>(_ table: inout MethodTable<Implementation>) {
///         Implementation.register(&table)
///     }
/// }
/// extension HotelService {
///     public static func register(_ table: inout MethodTable<Self>) {
///         table.add("book", Self.book(_:))
///         table.add("cancel", Self.cancel(_:))
///     }
/// }
/// ```
///
/// Callers: `context.service(HotelServiceStub.self)`. Workers: `ServiceDefinition(HotelServiceStub.self,
/// implementation: Hotels(), methods: Hotels.register)`, or `methods: HotelServiceStub.register` when `Hotels`
/// implements several contracts. The stub has the protocol's access level.
///
/// Requirements must be `async throws` instance methods with unique names (they are the wire names), without
/// generics, `inout` or variadic parameters, taking and returning `Codable & Sendable` values; the protocol may
/// refine `Sendable` only. Anything else is a compile-time error.
///
/// - Parameter name: The name the service is registered under (`static var serviceName` in the stub). Defaults
///   to the protocol's name.
@attached(peer, names: suffixed(Stub))
@attached(extension, names: named(register))
public macro Service(name: String? = nil) = #externalMacro(module: "InfiniticMacros", type: "ServiceMacro")

/// Makes a protocol a workflow contract: generates the stub clients and workflows use (`<Name>Stub`) and the
/// method table of its implementations (`register`), which would otherwise be written by hand.
///
/// ```swift
/// @Workflow public protocol BookTrip: Sendable {
///     func run(_ trip: Trip) async throws -> TripResult
/// }
///
/// // Generated:
/// public struct BookTripStub: BookTrip, WorkflowStub {
///     public typealias Contract = any BookTrip
///     public let invoker: StubInvoker
///     public init(invoker: StubInvoker) { self.invoker = invoker }
///     public func run(_ trip: Trip) async throws -> TripResult { try await invoker.call("run", trip) }
///     public static func register<Implementation: BookTrip>(_ table: inout MethodTable<Implementation>) {
///         Implementation.register(&table)
///     }
/// }
/// extension BookTrip {
///     public static func register(_ table: inout MethodTable<Self>) {
///         table.add("run", Self.run(_:))
///     }
/// }
/// ```
///
/// Callers: `client.workflow(BookTripStub.self)`, `context.workflow(BookTripStub.self, id:)`. Workers:
/// `WorkflowDefinition(BookTripStub.self, factory: BookTripWorkflow.init(context:), methods:
/// BookTripWorkflow.register)`. The requirements follow the rules of `@Service`.
///
/// - Parameter name: The name the workflow is registered under (`static var workflowName` in the stub).
///   Defaults to the protocol's name.
@attached(peer, names: suffixed(Stub))
@attached(extension, names: named(register))
public macro Workflow(name: String? = nil) = #externalMacro(module: "InfiniticMacros", type: "WorkflowMacro")
