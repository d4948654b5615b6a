// The printed report: Markdown tables, so that a run pastes into Benchmarks/README.md as it is.
import BenchmarkSupport
import Foundation

enum Report {
    /// `1,234` (or `1,234.5` with `decimals: 1`).
    static func grouped(_ value: Double, decimals: Int = 0) -> String {
        let text = String(format: "%.\(decimals)f", abs(value))
        let parts = text.split(separator: ".", maxSplits: 1)
        var digits = Array(parts[0])
        var index = digits.count - 3
        while index > 0 {
            digits.insert(",", at: index)
            index -= 3
        }
        return (value < 0 ? "-" : "") + String(digits) + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// Three significant digits, without grouping: `0.0107`, `61.5`, `1.2e+03`.
    static func short(_ value: Double) -> String {
        value >= 1_000 ? grouped(value) : String(format: "%.3g", value)
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 10 ? String(format: "%.2f s", seconds) : String(format: "%.1f s", seconds)
    }

    /// The load averages of the machine (`/proc/loadavg`), to say how noisy a run was.
    static var load: String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?"
        return "load average " + text.split(separator: " ").prefix(3).joined(separator: ", ")
    }

    static func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }

    /// The header of the table of shapes (one row per shape, figures as ratios to the raw loop).
    static let shapeHeader = [
        row([
            "shape", "size", "time", "throughput", "× raw msg/s", "latency p50 / p99", "Redis cmds/item", "× raw",
            "bytes in/item", "× raw", "AOF bytes/item", "× raw",
        ]),
        row(Array(repeating: "---", count: 12)),
    ]

    /// One shape's row; `item` names what is counted (workflow, task, method).
    static func shapeRow(_ shape: String, size: String, unit: String, phase: Phase, raw: RawBaseline) -> String {
        guard phase.done > 0 else { return row([shape, size, stoppedTime(phase)] + Array(repeating: "", count: 9)) }
        let latency = phase.latency.map {
            String(
                format: "%@ / %@ ms", short(Double($0.valueAtPercentile(50)) / 1000),
                short(Double($0.valueAtPercentile(99)) / 1000))
        }
        return row([
            shape, size, phase.stopped ? stoppedTime(phase) : duration(phase.seconds),
            "\(grouped(phase.perSecond)) \(unit)/s", short(phase.perSecond / raw.messagesPerSecond), latency ?? "—",
            short(phase.commandsPerItem), "×" + short(phase.commandsPerItem / raw.commandsPerMessage),
            grouped(phase.bytesPerItem), "×" + short(phase.bytesPerItem / raw.bytesPerMessage),
            phase.aofBytesPerItem.map { grouped($0) } ?? "—",
            phase.aofBytesPerItem.flatMap { aof in raw.aofBytesPerMessage.map { "×" + short(aof / $0) } } ?? "—",
        ])
    }

    static func rawLine(_ raw: RawBaseline) -> String {
        "raw hiredis loop (same run): \(grouped(raw.messagesPerSecond)) messages/s, "
            + "\(short(raw.commandsPerMessage)) Redis commands, \(grouped(raw.bytesPerMessage)) bytes in"
            + (raw.aofBytesPerMessage.map { ", \(grouped($0)) AOF bytes" } ?? "") + " per message"
    }

    /// The header of a scaling table: cost per item against the first row's.
    static func scalingHeader(size: String, unit: String) -> [String] {
        [
            row([
                size, "time", "\(unit)s/s", "µs/\(unit) (× first)", "Redis cmds/\(unit) (× first)",
                "bytes in/\(unit) (× first)", "AOF bytes/\(unit) (× first)",
            ]),
            row(Array(repeating: "---", count: 7)),
        ]
    }

    /// A scaling row; `first` is the table's first measured row (nil: this is it).
    static func scalingRow(_ size: Int, phase: Phase, first: Phase?) -> String {
        guard phase.done > 0 else { return row([grouped(Double(size)), stoppedTime(phase), "", "", "", "", ""]) }
        func cell(_ value: Double, _ reference: Double?, decimals: Int = 0) -> String {
            let reference = reference ?? value
            // Nothing to compare with (no Redis commands on the in-memory transport): no ratio.
            guard reference > 0 else { return grouped(value, decimals: decimals) }
            return grouped(value, decimals: decimals) + " (×" + String(format: "%.2f", value / reference) + ")"
        }
        let aof = phase.aofBytesPerItem.map { cell($0, first?.aofBytesPerItem ?? $0) } ?? "—"
        return row([
            grouped(Double(size)), phase.stopped ? stoppedTime(phase) : duration(phase.seconds),
            grouped(phase.perSecond), cell(phase.microsecondsPerItem, first?.microsecondsPerItem),
            cell(phase.commandsPerItem, first?.commandsPerItem, decimals: 1),
            cell(phase.bytesPerItem, first?.bytesPerItem), aof,
        ])
    }

    /// A failure in a table cell (no `|` nor line break).
    static func failure(_ error: any Error) -> String {
        "failed: " + "\(error)".replacingOccurrences(of: "|", with: "/").replacingOccurrences(of: "\n", with: " ")
    }

    static func skippedRow(_ size: Int, after reason: String) -> String {
        row([grouped(Double(size)), "skipped (a smaller row \(reason))", "", "", "", "", ""])
    }

    private static func stoppedTime(_ phase: Phase) -> String {
        let budget = "> \(grouped(phase.seconds.rounded(.down))) s (stopped"
        return budget
            + (phase.done > 0 ? ", \(grouped(Double(phase.done))) of \(grouped(Double(phase.items))) done)" : ")")
    }

    /// `612 µs ours + 301 µs Redis`: the CPU time per item of this process and of Redis.
    /// `… µs ours + … µs Redis (ours ÷ Redis' ×…)`: the last figure compares two builds in runs of different load
    /// (Redis runs the same commands for both, and its CPU per item inflates with the contention as ours does).
    static func cpu(_ phase: Phase) -> String {
        let (ours, redis) = phase.cpuPerItem
        let ratio = redis > 0 ? " (ours ÷ Redis' ×\(short(ours / redis)))" : ""
        return "\(grouped(ours)) µs ours + \(grouped(redis)) µs Redis\(ratio)"
    }

    /// `name 12.3, name 4.5…`: the most called commands, per item.
    static func calls(_ stats: RedisStats, per count: Double, most: Int = 24) -> String {
        stats.sortedCalls.prefix(most).map { "\($0.0) \(short(Double($0.1) / count))" }.joined(separator: ", ")
    }
}
