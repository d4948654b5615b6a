import Foundation
import Infinitic

/// An order of several parcels, waiting for a person's approval before it ships.
public struct Order: Codable, Sendable, Hashable {
    public var id: String
    public var customer: String
    public var parcels: [String]

    public init(id: String, customer: String, parcels: [String]) {
        self.id = id
        self.customer = customer
        self.parcels = parcels
    }
}

/// What a person decides about an order (sent on the order's `approvals` channel).
public struct Approval: Codable, Sendable, Hashable {
    public var orderId: String
    public var approved: Bool
    public var by: String

    public init(orderId: String, approved: Bool, by: String) {
        self.orderId = orderId
        self.approved = approved
        self.by = by
    }
}

/// Ships one parcel (a service: a task, retried by its policy).
@Service public protocol Carrier: Sendable {
    func ship(_ parcel: String) async throws -> String
}

/// One parcel's shipment: a child workflow per parcel.
@Workflow public protocol Shipment: Sendable {
    func run(_ parcel: String) async throws -> String
}

/// The order: waits for an approval of this order until its deadline, then ships every parcel in parallel (one
/// child workflow each).
@Workflow public protocol OrderFlow: Sendable {
    func run(_ order: Order, deadlineSeconds: Double) async throws -> String
}

public struct ShipmentWorkflow: Shipment, WorkflowImplementation {
    let context: WorkflowContext
    public init(context: WorkflowContext) { self.context = context }

    public func run(_ parcel: String) async throws -> String {
        try await context.service(CarrierStub.self).ship(parcel)
    }
}

public struct OrderWorkflow: OrderFlow, WorkflowImplementation {
    /// The channel a person's decision arrives on.
    public static let approvals = "approvals"

    let context: WorkflowContext
    public init(context: WorkflowContext) { self.context = context }

    public func run(_ order: Order, deadlineSeconds: Double) async throws -> String {
        // Only decisions about this order count; anything sent before this point is discarded.
        let decision = try context.channel(Approval.self, named: Self.approvals)
            .receive(where: .equals("orderId", .string(order.id)))
        let deadline = try context.timer(for: .milliseconds(Int(deadlineSeconds * 1000)))
        let (approval, _) = try await context.first(of: decision, deadline).value
        guard let approval else { return "order \(order.id) expired without approval" }
        guard approval.approved else { return "order \(order.id) rejected by \(approval.by)" }

        let shipment = context.workflow(ShipmentStub.self, tags: ["order:\(order.id)"])
        var shipments: [Deferred<String>] = []
        for parcel in order.parcels {
            shipments.append(try await context.dispatch { try await shipment.run(parcel) })
        }
        let tracking = try await shipments.and().value
        return "order \(order.id) approved by \(approval.by), shipped: \(tracking.joined(separator: ", "))"
    }
}

/// A carrier that answers at once with a tracking number.
public struct InstantCarrier: Carrier {
    public init() {}

    public func ship(_ parcel: String) async throws -> String { "\(parcel)-tracked" }
}

/// The definitions a worker registers for this example.
public enum OrderApprovalApp {
    /// The carrier, and a customs desk that files each declaration with `fileDeclaration` (by default, it logs
    /// the task id that completes it).
    public static func services(
        fileDeclaration: @escaping @Sendable (CustomsDesk.Declaration) async throws -> Void = logDeclaration
    ) -> [ServiceDefinition] {
        [
            ServiceDefinition(CarrierStub.self, implementation: InstantCarrier()),
            ServiceDefinition(CustomsStub.self, implementation: CustomsDesk(file: fileDeclaration)).delegated("clear"),
        ]
    }

    public static var services: [ServiceDefinition] { services() }

    public static let workflows = [
        WorkflowDefinition(OrderFlowStub.self, implementation: OrderWorkflow.self),
        WorkflowDefinition(ShipmentStub.self, implementation: ShipmentWorkflow.self),
        WorkflowDefinition(ExportStub.self, implementation: ExportWorkflow.self),
    ]

    /// Prints a declaration and how to complete it.
    @Sendable public static func logDeclaration(_ declaration: CustomsDesk.Declaration) async throws {
        print(
            "customs declaration for order \(declaration.order.id) filed; complete it with: "
                + "trip-booking clear-customs --task-id \(declaration.taskId) --clearance <number>")
    }
}
