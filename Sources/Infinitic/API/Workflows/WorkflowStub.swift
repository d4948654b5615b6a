/// A typed stand-in for a workflow contract, forwarding each method to a `StubInvoker`, and the contract's method
/// table. `@Workflow` on the contract generates it; it can also be written by hand:
///
/// ```swift
/// struct BookTripStub: BookTrip, WorkflowStub {
///     typealias Contract = any BookTrip               // the workflow name defaults to "BookTrip"
///     typealias Implementation = any BookTrip         // `& Sendable` unless the contract refines Sendable
///     typealias ImplementationType = any (BookTrip & WorkflowImplementation).Type
///     let invoker: StubInvoker
///     init(invoker: StubInvoker) { self.invoker = invoker }
///     func run(_ trip: Trip) async throws -> TripResult { try await invoker.call("run", trip) }
///     static func register(_ table: inout MethodTable<Implementation>) { table.add("run") { $0.run(_:) } }
///     static func make(_ type: ImplementationType, context: WorkflowContext) -> Implementation {
///         type.init(context: context)
///     }
/// }
/// ```
public protocol WorkflowStub: Sendable {
    /// The contract protocol (as `any Contract`); its name is the default workflow name.
    associatedtype Contract
    /// What implementations of the contract are, as registered: `any Contract & Sendable`. Registering anything
    /// else with this stub (`WorkflowDefinition(Stub.self, factory:)`) does not compile.
    associatedtype Implementation: Sendable
    /// The types implementing the contract that a workflow context makes: `any (Contract &
    /// WorkflowImplementation).Type` (for `WorkflowDefinition(Stub.self, implementation:)`).
    associatedtype ImplementationType: Sendable
    /// The name the workflow is registered under. Defaults to the contract's name.
    static var workflowName: String { get }
    /// How long a caller waits for each method, by method name (none by default): a client's call gives up
    /// with `InfiniticError.timedOut` instead of its `callTimeout`, and a parent workflow's call fails with a
    /// timed-out error (unless the call gives its own `timeout:`). The method itself goes on. Declare it in an
    /// extension of the stub: `extension OrderStub { static var methodTimeouts: [String: Duration] { ["approve": .seconds(60)] } }`.
    static var methodTimeouts: [String: Duration] { get }
    init(invoker: StubInvoker)
    /// Adds each method of the contract, under its wire name, called on any implementation.
    static func register(_ table: inout MethodTable<Implementation>)
    /// An instance of `type` bound to `context`.
    static func make(_ type: ImplementationType, context: WorkflowContext) -> Implementation
}

extension WorkflowStub {
    public static var workflowName: String { ContractNames.name(of: Contract.self) }
    public static var methodTimeouts: [String: Duration] { [:] }
}
