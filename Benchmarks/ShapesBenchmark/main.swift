// Shapes benchmark: the workflow shapes users run, with every role in this process (one worker) and a client
// on one redis-server (AOF everysec), through the public API only, so that the same benchmark measures the
// engine before and after a change. Release:
//
//   swift build -c release --product ShapesBenchmark && .build/release/ShapesBenchmark [options]
//       --quick                 small sizes (a smoke run)
//       --only a,b              among one-task, ten-step, fan-out, methods, idle, fan-out-table, methods-table,
//                               steps-table, codec, parked-memory
//       --rounds N              rounds of each shape (3); the median round is reported
//       --row-budget S          seconds after which a phase is stopped (60); larger rows of its table are skipped
//       --inflight N            workflows or methods in flight (100)
//       --concurrency N         handler concurrency of every role (256)
//       --widths a,b            fan-out widths of the table (100,250,500,1000,2500,5000,10000)
//       --method-counts a,b     method counts of the table (100,250,500,1000,2500,5000,10000)
//       --step-counts a,b       steps of one method, for the steps table (10,100,1000,2500); 20 such workflows
//                               run at once in each row
//       --no-inline             workflow tasks go through the executors' stream, as with split roles
//       --executors N           the workflow executors in N workers of their own (implies --no-inline)
//       --no-sticky-routing     state engines send every workflow task whole to the shared executor topic
//       --cached-states N       instances' states each state engine keeps between steps (default 1,000; 0: none)
//       --memory                the fleet on the in-memory transport: the engine's cost without Redis's (the
//                               raw baseline and the stats connection still use Redis)
//       --no-aof, --url U       as the other benchmarks
//
// Shapes: 2,000 one-task workflows and 500 ten-step workflows (100 in flight); one workflow fanning out 1,000
// tasks and joining them; 1,000 methods called on one long-lived instance (100 in flight), each running one
// task; an idle worker's Redis commands per second. Each reports throughput, latency, Redis commands and bytes
// written (received by Redis, appended to its AOF) per item, against the raw hiredis loop of the same run;
// the scaling tables report the cost per item by fan-out width, by number of methods on one instance and by number
// of sequential steps of one method (its history grows by a step each time); parked-memory measures the resident
// memory a replay kept parked by sticky replay takes, by the length of its method's history.
import BenchmarkSupport
import Foundation
import Infinitic
import InfiniticRedis
import Logging

let options = BenchmarkOptions(
    defaultMessages: 0,
    extra: [
        "row-budget", "inflight", "concurrency", "widths", "method-counts", "step-counts", "executors", "cached-states",
    ],
    flags: ["quick", "no-inline", "memory", "no-sticky-routing"],
    usage:
        "ShapesBenchmark [--quick] [--no-inline] [--executors N] [--no-sticky-routing] [--cached-states N] [--memory] "
        + "[--only one-task,ten-step,fan-out,methods,idle,fan-out-table,"
        + "methods-table,steps-table,codec,parked-memory] "
        + "[--rounds N] [--row-budget S] [--inflight N] [--concurrency N] [--widths a,b] [--method-counts a,b] "
        + "[--step-counts a,b] "
        + "[--no-aof] [--url U]")
let quick = options.flags.contains("quick")
let allShapes = [
    "one-task", "ten-step", "fan-out", "methods", "idle", "fan-out-table", "methods-table", "steps-table", "codec",
    "parked-memory",
]
let selected = options.only.map { $0.split(separator: ",").map(String.init) } ?? allShapes
if let unknown = selected.first(where: { !allShapes.contains($0) }) {
    print("unknown shape \(unknown): one of \(allShapes.joined(separator: ", "))")
    exit(2)
}
func sizes(_ name: String, default standard: [Int], quick small: [Int]) -> [Int] {
    options.extra[name].map { $0.split(separator: ",").compactMap { Int($0) } } ?? (quick ? small : standard)
}
let scaled = [100, 250, 500, 1_000, 2_500, 5_000, 10_000]
let widths = sizes("widths", default: scaled, quick: [50, 100, 200])
let methodCounts = sizes("method-counts", default: scaled, quick: [50, 100, 200])
let stepCounts = sizes("step-counts", default: [10, 100, 1_000, 2_500], quick: [10, 50, 100])
/// The workflows of each row of the steps table, run at once.
let longChains = 20
let (oneTaskCount, tenStepCount, fanOutWidth, methodCount) = quick ? (200, 50, 100, 100) : (2_000, 500, 1_000, 1_000)
let rawMessages = quick ? 20_000 : 100_000

bootstrapQuietLogging()
var logger = Logger(label: "shapes-benchmark")
logger.logLevel = .error
// Automatic AOF rewrites off on our own server: the AOF's growth is then every byte appended (each fleet's
// keys are deleted and the AOF rewritten between phases).
let redis = try await BenchmarkRedis(options, serverArguments: ["--auto-aof-rewrite-percentage", "0"])
let executors = Int(options.extra["executors"] ?? "") ?? 0
var bench = Bench(
    redis: redis, logger: logger,
    settings: ConsumerSettings(
        concurrency: Int(options.extra["concurrency"] ?? "") ?? 256, batchSize: 200),
    budget: .seconds(Int(options.extra["row-budget"] ?? "") ?? 60),
    inflight: Int(options.extra["inflight"] ?? "") ?? 100,
    stats: RedisClient(configuration: redis.configuration, logger: logger),
    inline: !options.flags.contains("no-inline") && executors == 0, inMemory: options.flags.contains("memory"))
bench.executors = executors
bench.stickyRouting = !options.flags.contains("no-sticky-routing")
bench.cachedStates = Int(options.extra["cached-states"] ?? "") ?? WorkerConfiguration.defaultCachedStates
let cachedStatesNote: String = ", \(bench.cachedStates) cached states per state engine"
print(
    "ShapesBenchmark \(Date().formatted(.iso8601)), \(Report.load), \(ProcessInfo.processInfo.activeProcessorCount) "
        + "cores, \(allocatorDescription); redis-server at \(redis.url) (AOF \(options.appendOnly ? "everysec" : "off")); "
        + "\(bench.inflight) in flight, handler concurrency \(bench.settings.concurrency), row budget \(bench.budget), "
        + "\(options.rounds) rounds, workflow tasks \(bench.inline ? "inline" : "through the executors")"
        + (executors > 0 ? " (\(executors) executor workers)" : "") + (bench.stickyRouting ? "" : ", no sticky routing")
        + (bench.inMemory ? ", fleet on the in-memory transport" : "") + cachedStatesNote)

/// Runs `rounds` rounds of a shape in one fleet (warmed up first), after a raw baseline; prints each round and
/// returns the summary row of the median one (by throughput). A stopped or failed round ends the shape (a
/// failure is printed in its row, and the other shapes run).
func shape(
    _ name: String, size: String, unit: String, _ round: (Fleet) async throws -> Phase
) async throws -> [String] {
    guard selected.contains(name) else { return [] }
    let raw = try await RawBaseline.measure(bench, messages: rawMessages)
    print("\n## \(name): \(size)\n\(Report.rawLine(raw))")
    let failedRow = { (error: any Error) in Report.row([name, size, Report.failure(error)]) }
    let (phases, failure) = try await Fleet.with(bench) { fleet -> ([Phase], String?) in
        do {
            try await Shapes.warmUp(fleet, bench: bench)
        } catch {
            return ([], failedRow(error))
        }
        var phases: [Phase] = []
        for index in 1...max(1, options.rounds) {
            let phase: Phase
            do {
                phase = try await round(fleet)
            } catch {
                print("round \(index): " + failedRow(error))
                return (phases, failedRow(error))
            }
            phases.append(phase)
            print(
                "round \(index): " + Report.shapeRow(name, size: size, unit: unit, phase: phase, raw: raw)
                    + (phase.done > 0
                        ? "\n  CPU per \(unit): \(Report.cpu(phase))\n  per \(unit): "
                            + Report.calls(phase.redis, per: Double(phase.done)) : ""))
            if phase.stopped { break }
        }
        return (phases, nil)
    }
    guard !phases.isEmpty else { return [failure!] }
    let sorted = phases.sorted { $0.perSecond < $1.perSecond }
    let median = phases.last!.stopped ? phases.last! : sorted[sorted.count / 2]
    return [Report.shapeRow(name, size: size, unit: unit, phase: median, raw: raw)] + (failure.map { [$0] } ?? [])
}

/// A scaling table: a fresh fleet per row; after a stopped or failed row, the larger rows are skipped.
func table(
    _ name: String, sizes: [Int], header: [String], _ row: (Int, Fleet) async throws -> Phase
)
    async throws -> [String]
{
    guard selected.contains(name) else { return [] }
    let raw = try await RawBaseline.measure(bench, messages: rawMessages)
    var lines = ["", "## \(name) (\(Report.load) at the start)", Report.rawLine(raw), ""] + header
    lines.forEach { print($0) }
    var first: Phase?
    var skipReason: String?
    var calls: [String] = []
    defer {
        print("")
        calls.forEach { print($0) }
    }
    for size in sizes {
        if let skipReason {
            lines.append(Report.skippedRow(size, after: skipReason))
            print(lines.last!)
            continue
        }
        let phase: Phase
        do {
            phase = try await Fleet.with(bench) { fleet in
                try await Shapes.warmUp(fleet, bench: bench)
                return try await row(size, fleet)
            }
        } catch {
            lines.append(Report.row([Report.grouped(Double(size)), Report.failure(error)]))
            print(lines.last!)
            skipReason = "failed"
            continue
        }
        lines.append(Report.scalingRow(size, phase: phase, first: first))
        print(lines.last!)
        if phase.done > 0 {
            calls.append(
                "\(Report.grouped(Double(size))), per item: " + Report.calls(phase.redis, per: Double(phase.done)))
        }
        if first == nil, !phase.stopped { first = phase }
        if phase.stopped { skipReason = "was stopped" }
    }
    return lines
}

var summary = try await shape("one-task", size: "\(Report.grouped(Double(oneTaskCount))) workflows", unit: "workflow") {
    try await Shapes.chain(oneTaskCount, steps: 1, fleet: $0, bench: bench)
}
summary += try await shape("ten-step", size: "\(Report.grouped(Double(tenStepCount))) workflows", unit: "workflow") {
    try await Shapes.chain(tenStepCount, steps: 10, fleet: $0, bench: bench)
}
summary += try await shape("fan-out", size: "1 workflow, \(Report.grouped(Double(fanOutWidth))) tasks", unit: "task") {
    try await Shapes.fanOut(fanOutWidth, fleet: $0, bench: bench)
}
summary += try await shape(
    "methods", size: "\(Report.grouped(Double(methodCount))) methods on 1 instance", unit: "method"
) {
    try await Shapes.methods(methodCount, fleet: $0, bench: bench)
}

if selected.contains("codec") { try CodecShape.run(rounds: options.rounds, quick: quick) }
if selected.contains("parked-memory") {
    try await ParkedMemory.run(count: quick ? 200 : 1_000, lengths: quick ? [1, 10, 100] : [1, 10, 100, 1_000])
}

var idleLines: [String] = []
if selected.contains("idle") {
    let (settle, measure): (Duration, Duration) = quick ? (.seconds(1), .seconds(3)) : (.seconds(2), .seconds(10))
    print("\n## idle: every role of every shape, nothing to do; \(settle) settle, then \(measure)")
    try await Fleet.with(bench) { fleet in
        try await Shapes.warmUp(fleet, bench: bench)
        for (label, withClient) in [("worker + client", true), ("worker alone", false)] {
            if !withClient { await fleet.client.close() }
            let (perSecond, stats) = try await Shapes.idle(bench, settle: settle, measure: measure)
            let measured = seconds(measure)
            idleLines.append(
                "idle \(label): \(Report.short(perSecond)) Redis commands/s (\(Report.calls(stats, per: measured)))")
            print(idleLines.last!)
        }
    }
}

let fanOutTable = try await table(
    "fan-out-table", sizes: widths, header: Report.scalingHeader(size: "fan-out width", unit: "task")
) { width, fleet in try await Shapes.fanOut(width, fleet: fleet, bench: bench) }
let methodsTable = try await table(
    "methods-table", sizes: methodCounts, header: Report.scalingHeader(size: "methods on 1 instance", unit: "method")
) { count, fleet in try await Shapes.methods(count, fleet: fleet, bench: bench) }
let stepsTable = try await table(
    "steps-table", sizes: stepCounts,
    header: Report.scalingHeader(size: "steps of \(longChains) methods at once", unit: "step")
) { steps, fleet in try await Shapes.longChains(steps, parallel: longChains, fleet: fleet, bench: bench) }

print("\n# Summary (\(Report.load) at the end)")
if !summary.isEmpty {
    print("")
    (Report.shapeHeader + summary).forEach { print($0) }
}
if !idleLines.isEmpty { print(""); idleLines.forEach { print($0) } }
(fanOutTable + methodsTable + stepsTable).forEach { print($0) }
bench.stats.close()
redis.stop()
