import Foundation
import Infinitic

/// Clears exports with the customs office. `clear` is a delegated task: the worker only files the declaration
/// (with the task id, the office's reference for it); the office's own system answers hours later, from its own
/// process, with `client.completeDelegatedTask(CustomsStub.self, taskId:result:)` and the clearance number.
@Service public protocol Customs: Sendable {
    func clear(_ order: Order) async throws -> String
}

/// An export: waits for customs clearance (a delegated task), then ships every parcel as one consignment.
@Workflow public protocol Export: Sendable {
    func run(_ order: Order) async throws -> String
}

public struct ExportWorkflow: Export, WorkflowImplementation {
    let context: WorkflowContext
    public init(context: WorkflowContext) { self.context = context }

    public func run(_ order: Order) async throws -> String {
        let clearance = try await context.service(CustomsStub.self).clear(order)
        let tracking = try await context.service(CarrierStub.self).ship(order.parcels.joined(separator: "+"))
        return "order \(order.id) cleared (\(clearance)), shipped: \(tracking)"
    }
}

/// Files customs declarations: hands each one (the order and the task id that will complete it) to `file`,
/// which would send it to the customs office; the return value of a delegated method is ignored.
public struct CustomsDesk: Customs {
    /// A declaration waiting for the office's answer.
    public struct Declaration: Sendable {
        public var taskId: String
        public var order: Order
    }

    let file: @Sendable (Declaration) async throws -> Void

    public init(file: @escaping @Sendable (Declaration) async throws -> Void) {
        self.file = file
    }

    public func clear(_ order: Order) async throws -> String {
        guard let taskId = TaskContext.current?.taskId else { throw CustomsDeskError.notInATask }
        try await file(Declaration(taskId: taskId, order: order))
        return "pending"
    }
}

/// `CustomsDesk.clear` was called outside of a task (so no task id could complete it).
public enum CustomsDeskError: Error, Codable, Sendable {
    case notInATask
}
