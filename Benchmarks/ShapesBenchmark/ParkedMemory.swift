// What sticky replay costs in memory: replays of `Chain.run` parked after `length` completed steps, kept in a
// `StickyReplays` as a state engine keeps them, measured by the process's resident memory before and after.
import BenchmarkSupport
import Foundation
import Infinitic

enum ParkedMemory {
    /// Parks `count` replays for each history length and prints the resident memory each one adds.
    static func run(count: Int, lengths: [Int]) async throws {
        print("\n## parked-memory: \(count) parked replays of a method, by the steps of its history")
        print("")
        print(
            "| steps before the parking step | resident MB before | after parking | per parked replay | after dropping |"
        )
        print("| --- | --- | --- | --- | --- |")
        let codec = BinaryPayloadCodec()
        let replayer = Replayer(
            definition: WorkflowDefinition(ChainStub.self) { ChainWorkflow(context: $0) }, checkMode: .simple,
            codec: codec)
        for length in lengths {
            let cache = StickyReplays(capacity: count, commandBudget: .max)
            let before = residentBytes()
            for index in 0..<count {
                let task = try chainTask(workflowId: "parked-\(length)-\(index)", completedSteps: length, codec: codec)
                let (output, parked) = await replayer.replay(task, headers: [:], interceptors: [], parking: true)
                guard case .waiting = output.outcome, let parked else {
                    throw ShapesError.stuck("a replay did not park: \(output.outcome)")
                }
                cache.keep(parked)
            }
            let after = residentBytes()
            cache.removeAll()
            let dropped = residentBytes()
            let perReplay = Double(after - before) / Double(count)
            print(
                "| \(Report.grouped(Double(length))) | \(megabytes(before)) | \(megabytes(after)) | "
                    + "\(Report.grouped(perReplay / 1024, decimals: 1)) KB | \(megabytes(dropped)) |")
        }
    }

    /// Workflow task `completedSteps + 1` of `Chain.run(0, steps: completedSteps + 1)`: its first
    /// `completedSteps` tasks completed, the next one to dispatch.
    static func chainTask(workflowId: String, completedSteps: Int, codec: any PayloadCodec) throws -> WorkflowTask {
        let start = Date(timeIntervalSince1970: 1_900_000_000)
        let taskIndex = completedSteps + 1
        var commands: [CommandRecord] = []
        var pastSteps: [PastStep] = []
        for step in 0..<completedSteps {
            let id = "\(workflowId)-task-\(step)"
            let descriptor = CommandDescriptor(
                kind: .task, targetName: EchoStub.serviceName, methodName: "echo",
                arguments: [try codec.payload(step + 1)])
            commands.append(
                CommandRecord(
                    id: id, position: 2 * step + 1, descriptor: descriptor,
                    status: .completed(try codec.payload(step + 1)),
                    createdAtTaskIndex: step + 1, resolvedAtTaskIndex: step + 2, resolutionSequence: step + 1))
            pastSteps.append(
                PastStep(
                    position: 2 * step + 2, step: .command(id),
                    resumption: Resumption(taskIndex: step + 2, instant: start, properties: [:])))
        }
        let method = MethodHistory(
            methodId: workflowId, methodName: "run",
            arguments: [try codec.payload(0), try codec.payload(completedSteps + 1)],
            start: Resumption(taskIndex: 1, instant: start, properties: [:]), pastSteps: pastSteps, commands: commands)
        return WorkflowTask(
            workflowTaskId: "\(workflowId)-wt-\(taskIndex)", workflowName: ChainStub.workflowName,
            workflowId: workflowId, tags: [], meta: [:], taskIndex: taskIndex, instant: start, method: method,
            workflowVersion: 0)
    }

    /// The process's resident memory (`/proc/self/statm`), in bytes.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func megabytes(_ bytes: Int) -> String { Report.grouped(Double(bytes) / 1_048_576, decimals: 1) }
}
