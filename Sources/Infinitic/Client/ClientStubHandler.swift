import Foundation

/// The invocation handler of the stubs a client hands out: a call starts a workflow or a method and waits
/// for its outcome; inside `InfiniticClient.dispatch` it only starts it.
struct ClientStubHandler: InvocationHandler {
    let client: InfiniticClient
    let target: ClientTarget

    func invoke(_ invocationTarget: InvocationTarget, method: String, arguments: [Payload]) async throws -> Payload {
        let capture = ClientDispatchCapture.current
        try capture?.beginCall()
        if case .taggedWorkflows(let name, let tag) = target {
            guard capture?.mode == .byTag else {
                throw InfiniticError(
                    .invalidUsage,
                    "\(name).\(method) on the instances tagged '\(tag)' has no single outcome to wait for: "
                        + "start it with `client.dispatchByTag { ... }`")
            }
            let byTag = DispatchMethodByTag(workflowName: name, tag: tag, methodName: method, arguments: arguments)
            try await client.send(.dispatchMethodByTag(byTag))
            throw ClientDispatchSignal()
        }
        if capture?.mode == .byTag {
            throw InfiniticError(
                .invalidUsage,
                "`dispatchByTag` needs a stub by tag (`client.workflow(Stub.self, tag:)`); use `dispatch`")
        }
        let waiter = try await start(method: method, arguments: arguments)
        if let capture {
            capture.record(
                ClientDispatchCapture.Started(
                    workflowName: waiter.workflowName, workflowId: waiter.key.workflowId, methodId: waiter.key.methodId,
                    waiter: waiter))
            throw ClientDispatchSignal()
        }
        return try await waiter.outcome(timeout: client.configuration.callTimeout)
    }

    /// Dispatches the method with a waiting client, the waiter registered first.
    private func start(method: String, arguments: [Payload]) async throws -> MethodWaiter {
        let workflowName = target.workflowName
        let message: WorkflowEngineMessage
        let key: ResponseRouter.MethodKey
        switch target {
        case .newWorkflow(_, let tags, let meta):
            let id = UUID().uuidString.lowercased()
            key = ResponseRouter.MethodKey(workflowId: id, methodId: id)
            message = .dispatchWorkflow(
                DispatchWorkflow(
                    workflowName: workflowName, workflowId: id, methodName: method, arguments: arguments, tags: tags,
                    meta: meta, clientWaiting: true))
        case .existingWorkflow(_, let id):
            let methodId = UUID().uuidString.lowercased()
            key = ResponseRouter.MethodKey(workflowId: id, methodId: methodId)
            message = .dispatchMethod(
                DispatchMethod(
                    workflowName: workflowName, workflowId: id, methodName: method, methodId: methodId,
                    arguments: arguments, clientWaiting: true))
        case .taggedWorkflows:
            throw InfiniticError(.invalidUsage, "a stub by tag cannot start a single method")
        }
        let waiter = MethodWaiter(client: client, workflowName: workflowName, key: key, asked: true)
        try waiter.register()
        try await client.send(message)
        return waiter
    }
}
