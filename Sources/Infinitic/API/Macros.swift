/// Makes a protocol a service contract: generates the stub callers use (`<Name>Stub`), with the contract's method
/// table, which would otherwise be written by hand.
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
///     public typealias Implementation = any HotelService
///     public let invoker: StubInvoker
///     public init(invoker: StubInvoker) { self.invoker = invoker }
///     public func book(_ trip: Trip) async throws -> Booking { try await invoker.call("book", trip) }
///     public func cancel(_ reference: String) async throws { try await invoker.call("cancel", reference) }
///     public static func register(_ table: inout MethodTable<Implementation>) {
///         table.add("book") { $0.book(_:) }
///         table.add("cancel") { $0.cancel(_:) }
///     }
/// }
/// ```
///
/// Callers: `context.service(HotelServiceStub.self)`. Workers: `ServiceDefinition(HotelServiceStub.self,
/// implementation: Hotels())`, which compiles only if `Hotels` conforms to `HotelService` (a type may implement
/// several contracts, each registered with its stub). The stub has the protocol's access level.
///
/// Requirements must be `async throws` instance methods with unique names (they are the wire names), without
/// generics, `inout` or variadic parameters, taking and returning `Codable & Sendable` values; the protocol may
/// refine `Sendable` only. Anything else is a compile-time error.
///
/// - Parameter name: The name the service is registered under (`static var serviceName` in the stub). Defaults
///   to the protocol's name.
@attached(peer, names: suffixed(Stub))
public macro Service(name: String? = nil) = #externalMacro(module: "InfiniticMacros", type: "ServiceMacro")

/// Makes a protocol a workflow contract: generates the stub clients and workflows use (`<Name>Stub`), with the
/// contract's method table, which would otherwise be written by hand.
///
/// ```swift
/// @Workflow public protocol BookTrip: Sendable {
///     func run(_ trip: Trip) async throws -> TripResult
/// }
///
/// // Generated:
/// public struct BookTripStub: BookTrip, WorkflowStub {
///     public typealias Contract = any BookTrip
///     public typealias Implementation = any BookTrip
///     public typealias ImplementationType = any (BookTrip & WorkflowImplementation).Type
///     public let invoker: StubInvoker
///     public init(invoker: StubInvoker) { self.invoker = invoker }
///     public func run(_ trip: Trip) async throws -> TripResult { try await invoker.call("run", trip) }
///     public static func register(_ table: inout MethodTable<Implementation>) {
///         table.add("run") { $0.run(_:) }
///     }
///     public static func make(_ type: ImplementationType, context: WorkflowContext) -> Implementation {
///         type.init(context: context)
///     }
/// }
/// ```
///
/// Callers: `client.workflow(BookTripStub.self)`, `context.workflow(BookTripStub.self, id:)`. Workers:
/// `WorkflowDefinition(BookTripStub.self, implementation: BookTripWorkflow.self)` (a `WorkflowImplementation`) or
/// `WorkflowDefinition(BookTripStub.self) { BookTripWorkflow(context: $0) }`, which compile only if
/// `BookTripWorkflow` conforms to `BookTrip`. The requirements follow the rules of `@Service`.
///
/// - Parameter name: The name the workflow is registered under (`static var workflowName` in the stub).
///   Defaults to the protocol's name.
@attached(peer, names: suffixed(Stub))
public macro Workflow(name: String? = nil) = #externalMacro(module: "InfiniticMacros", type: "WorkflowMacro")
