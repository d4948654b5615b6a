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

extension CloudEvent {
    /// The events of a document in the shape `encodeJSON` writes (an array of objects with string members, `data`
    /// an object of strings, `time` as `YYYY-MM-DDTHH:MM:SS.mmmZ`), read without Foundation's `JSONDecoder`; nil
    /// for anything else (the caller then uses `JSONDecoder`, which reads any valid document or says what is wrong).
    static func decodeJSON(_ bytes: [UInt8]) -> [CloudEvent]? {
        var reader = EventJSONReader(bytes: bytes)
        return reader.events()
    }
}

/// A strict reader of the events topic's JSON (see `CloudEvent.decodeJSON`).
private struct EventJSONReader {
    let bytes: [UInt8]
    var index = 0

    mutating func events() -> [CloudEvent]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var events: [CloudEvent] = []
        if !take(UInt8(ascii: "]")) {
            repeat {
                guard let event = event() else { return nil }
                events.append(event)
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "]")) else { return nil }
        }
        skipSpaces()
        return index == bytes.count ? events : nil
    }

    private mutating func event() -> CloudEvent? {
        guard take(UInt8(ascii: "{")) else { return nil }
        var fields: [String: String] = [:]
        var data: [String: String]?
        if !take(UInt8(ascii: "}")) {
            repeat {
                guard let key = string(), take(UInt8(ascii: ":")) else { return nil }
                if key == "data" {
                    guard let object = stringObject() else { return nil }
                    data = object
                } else {
                    guard let value = string() else { return nil }
                    fields[key] = value
                }
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { return nil }
        }
        guard let data, let id = fields["id"], let source = fields["source"], let type = fields["type"],
            let subject = fields["subject"], let timeText = fields["time"], let time = Self.time(timeText),
            let specversion = fields["specversion"], let contentType = fields["datacontenttype"]
        else { return nil }
        var event = CloudEvent(id: id, source: source, type: type, subject: subject, time: time, data: data)
        event.specversion = specversion
        event.datacontenttype = contentType
        return event
    }

    private mutating func stringObject() -> [String: String]? {
        guard take(UInt8(ascii: "{")) else { return nil }
        var object: [String: String] = [:]
        if take(UInt8(ascii: "}")) { return object }
        repeat {
            guard let key = string(), take(UInt8(ascii: ":")), let value = string() else { return nil }
            object[key] = value
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}")) ? object : nil
    }

    /// A JSON string, its escapes decoded.
    private mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        var decoded: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard take(UInt8(ascii: "\\"), skippingSpaces: false),
                            take(UInt8(ascii: "u"), skippingSpaces: false),
                            let low = hex4(), (0xDC00..<0xE000).contains(low)
                        else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { return nil }
                    decoded.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: return nil
                }
            case 0..<0x20:
                return nil
            default:
                decoded.append(byte)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[index..<(index + 4)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }

    /// Skips white space, then consumes `byte` if it comes next.
    private mutating func take(_ byte: UInt8, skippingSpaces: Bool = true) -> Bool {
        if skippingSpaces { skipSpaces() }
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipSpaces() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, else nil.
    private static func time(_ text: String) -> Date? {
        let digits = Array(text.utf8)
        guard digits.count == 24, digits[4] == UInt8(ascii: "-"), digits[7] == UInt8(ascii: "-"),
            digits[10] == UInt8(ascii: "T"), digits[13] == UInt8(ascii: ":"), digits[16] == UInt8(ascii: ":"),
            digits[19] == UInt8(ascii: "."), digits[23] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in digits[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            let millisecond = number(20..<23), (1...12).contains(month), (1...31).contains(day), hour < 24,
            minute < 60, second < 61
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        return Date(timeIntervalSince1970: Double(seconds) + Double(millisecond) / 1000)
    }
}
