/// A typed stand-in for a service contract: a concrete type conforming to the contract protocol whose methods
/// forward to a `StubInvoker`. `@Service` on the contract generates it; it can also be written by hand:
///
/// ```swift
/// struct HotelBookingStub: HotelBooking, ServiceStub {
///     typealias Contract = any HotelBooking          // the service name defaults to "HotelBooking"
///     let invoker: StubInvoker
///     init(invoker: StubInvoker) { self.invoker = invoker }
///     func book(_ request: BookingRequest) async throws -> BookingResult {
///         try await invoker.call("book", request)
///     }
/// }
/// ```
public protocol ServiceStub: Sendable {
    /// The contract protocol (as `any Contract`); its name is the default service name.
    associatedtype Contract
    /// The name the service is registered under. Defaults to the contract's name.
    static var serviceName: String { get }
    init(invoker: StubInvoker)
}

extension ServiceStub {
    public static var serviceName: String { String(describing: Contract.self) }
}
