import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The JSON of the events topic written by hand: a step's events are encoded on the hot path of every service
/// executor and state engine step, where Foundation's `JSONEncoder` (and its date formatting) cost more than the
/// rest of the event emission. Same document as `JSONEncoder` with sorted keys: an array of objects whose keys
/// are in order, strings escaped per RFC 8259, `time` in RFC 3339 UTC with milliseconds.
extension CloudEvent {
    static func encodeJSON(_ events: [CloudEvent]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(events.count * 512)
        out.append(UInt8(ascii: "["))
        for (index, event) in events.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            event.appendJSON(to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    private func appendJSON(to out: inout [UInt8]) {
        out.append(contentsOf: #"{"data":{"#.utf8)
        for (index, key) in data.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            Self.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            Self.appendString(data[key]!, to: &out)
        }
        out.append(contentsOf: #"},"datacontenttype":"#.utf8)
        Self.appendString(datacontenttype, to: &out)
        out.append(contentsOf: #","id":"#.utf8)
        Self.appendString(id, to: &out)
        out.append(contentsOf: #","source":"#.utf8)
        Self.appendString(source, to: &out)
        out.append(contentsOf: #","specversion":"#.utf8)
        Self.appendString(specversion, to: &out)
        out.append(contentsOf: #","subject":"#.utf8)
        Self.appendString(subject, to: &out)
        out.append(contentsOf: #","time":""#.utf8)
        Self.appendTime(time, to: &out)
        out.append(contentsOf: #"","type":"#.utf8)
        Self.appendString(type, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\n`, `\t`... or `\u00XX`, the rest as UTF-8.
    static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: Array(#"\u00"#.utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `2026-12-01T03:56:32.123Z` (the milliseconds rounded down, as `ISO8601FormatStyle` does).
    static func appendTime(_ date: Date, to out: inout [UInt8]) {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds.quotientFloored(by: 1000))
        let fraction = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2)
        out.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        out.append(UInt8(ascii: "."))
        digits(fraction, 3)
        out.append(UInt8(ascii: "Z"))
    }
}

extension Int64 {
    fileprivate func quotientFloored(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
