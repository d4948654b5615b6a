/// A typed stand-in for a service contract: a concrete type conforming to the contract protocol whose methods
/// forward to a `StubInvoker`, and the contract's method table. `@Service` on the contract generates it; it can also
/// be written by hand:
///
/// ```swift
/// struct HotelBookingStub: HotelBooking, ServiceStub {
///     typealias Contract = any HotelBooking          // the service name defaults to "HotelBooking"
///     typealias Implementation = any HotelBooking    // `& Sendable` unless the contract refines Sendable
///     let invoker: StubInvoker
///     init(invoker: StubInvoker) { self.invoker = invoker }
///     func book(_ request: BookingRequest) async throws -> BookingResult {
///         try await invoker.call("book", request)
///     }
///     static func register(_ table: inout MethodTable<Implementation>) {
///         table.add("book") { $0.book(_:) }
///     }
/// }
/// ```
public protocol ServiceStub: Sendable {
    /// The contract protocol (as `any Contract`); its name is the default service name.
    associatedtype Contract
    /// What implementations of the contract are, as registered: `any Contract & Sendable`. Registering anything
    /// else with this stub (`ServiceDefinition(Stub.self, implementation:)`) does not compile.
    associatedtype Implementation: Sendable
    /// The name the service is registered under. Defaults to the contract's name.
    static var serviceName: String { get }
    init(invoker: StubInvoker)
    /// Adds each method of the contract, under its wire name, called on any implementation.
    static func register(_ table: inout MethodTable<Implementation>)
}

extension ServiceStub {
    public static var serviceName: String { ContractNames.name(of: Contract.self) }
}
