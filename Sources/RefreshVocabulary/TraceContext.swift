/// A span's id: 8 bytes, never all zero (W3C Trace Context, OpenTelemetry).
public struct SpanID: Sendable, Hashable {
  /// The 8 bytes as one big-endian number.
  public let value: UInt64

  /// An id from its value; nil for the invalid all-zero id.
  public init?(_ value: UInt64) {
    guard value != 0 else { return nil }
    self.value = value
  }

  /// A new random id (getrandom, through the standard library).
  public static func random() -> SpanID {
    var generator = SystemRandomNumberGenerator()
    while true {
      if let id = SpanID(generator.next()) { return id }
    }
  }

  /// 16 lowercase hexadecimal digits.
  public var hex: String { TraceHex.digits(value) }

  /// Parses 16 lowercase hexadecimal digits (not all zero).
  public init?(hex: some StringProtocol) {
    guard let value = TraceHex.parse(hex, digits: 16), let id = SpanID(value) else { return nil }
    self = id
  }
}

/// A trace's id: 16 bytes, never all zero.
public struct TraceID: Sendable, Hashable {
  /// The first 8 bytes, big-endian.
  public let high: UInt64
  /// The last 8 bytes, big-endian.
  public let low: UInt64

  /// An id from its halves; nil for the invalid all-zero id.
  public init?(high: UInt64, low: UInt64) {
    guard high != 0 || low != 0 else { return nil }
    self.high = high
    self.low = low
  }

  /// A new random id.
  public static func random() -> TraceID {
    var generator = SystemRandomNumberGenerator()
    while true {
      if let id = TraceID(high: generator.next(), low: generator.next()) { return id }
    }
  }

  /// 32 lowercase hexadecimal digits.
  public var hex: String { TraceHex.digits(high) + TraceHex.digits(low) }

  /// Parses 32 lowercase hexadecimal digits (not all zero).
  public init?(hex: some StringProtocol) {
    let utf8 = Array(hex.utf8)
    guard utf8.count == 32,
      let high = TraceHex.parse(String(decoding: utf8[..<16], as: UTF8.self), digits: 16),
      let low = TraceHex.parse(String(decoding: utf8[16...], as: UTF8.self), digits: 16),
      let id = TraceID(high: high, low: low)
    else { return nil }
    self = id
  }
}

/// A run's place in a trace: its trace, its root span, and the span it
/// continues when it was started with a `TRACEPARENT`.
public struct RunTrace: Sendable, Hashable {
  /// The trace every span of the run belongs to.
  public let traceID: TraceID
  /// The run's root span.
  public let spanID: SpanID
  /// The span of whoever started us, from a valid `TRACEPARENT`.
  public let parentSpanID: SpanID?
  /// The `TRACESTATE` that came with that `TRACEPARENT`, passed on unchanged.
  public let traceState: String?
  /// Whether the trace is sampled: as the given `TRACEPARENT` said (its
  /// flags' lowest bit), and for a trace of our own, yes.
  public let sampled: Bool

  /// A run's trace from its parts.
  public init(
    traceID: TraceID, spanID: SpanID, parentSpanID: SpanID? = nil, traceState: String? = nil, sampled: Bool = true
  ) {
    self.traceID = traceID
    self.spanID = spanID
    self.parentSpanID = parentSpanID
    self.traceState = traceState
    self.sampled = sampled
  }

  /// A new trace for a run: the given parent's trace when `traceParent` is
  /// valid (with its `traceState`), else a new one.
  public static func start(traceParent: String?, traceState: String?) -> RunTrace {
    guard let traceParent, let parent = TraceParent(traceParent) else {
      return RunTrace(traceID: .random(), spanID: .random())
    }
    let state = traceState.flatMap { TraceParent.isValidState($0) ? $0 : nil }
    return RunTrace(
      traceID: parent.traceID, spanID: .random(), parentSpanID: parent.spanID, traceState: state,
      sampled: parent.sampled)
  }

  /// The `TRACEPARENT` value naming `span` of this trace as the parent: the
  /// version 00 form, with this trace's sampled flag.
  public func traceParent(for span: SpanID) -> String {
    TraceParent(traceID: traceID, spanID: span, sampled: sampled).text
  }
}

/// A W3C `traceparent` value: version, trace id, parent span id, flags.
public struct TraceParent: Sendable, Hashable {
  public let traceID: TraceID
  public let spanID: SpanID
  /// The `sampled` flag (bit 0 of the flags); the other flags are not passed on.
  public let sampled: Bool

  /// A version 00 value, sampled unless said.
  public init(traceID: TraceID, spanID: SpanID, sampled: Bool = true) {
    self.traceID = traceID
    self.spanID = spanID
    self.sampled = sampled
  }

  /// Parses a value as the W3C Trace Context says: 2 hex digits of version
  /// (not `ff`), the trace id, the span id and 2 hex digits of flags, dash
  /// separated, lowercase; a version above 00 may carry more after a dash.
  public init?(_ text: String) {
    let utf8 = Array(text.utf8)
    guard utf8.count >= 55, utf8[2] == UInt8(ascii: "-"), utf8[35] == UInt8(ascii: "-"),
      utf8[52] == UInt8(ascii: "-"),
      let version = TraceHex.parse(String(decoding: utf8[0..<2], as: UTF8.self), digits: 2), version != 0xff,
      let flags = TraceHex.parse(String(decoding: utf8[53..<55], as: UTF8.self), digits: 2),
      version != 0 || utf8.count == 55, utf8.count == 55 || utf8[55] == UInt8(ascii: "-"),
      let trace = TraceID(hex: String(decoding: utf8[3..<35], as: UTF8.self)),
      let span = SpanID(hex: String(decoding: utf8[36..<52], as: UTF8.self))
    else { return nil }
    self.init(traceID: trace, spanID: span, sampled: flags & 1 == 1)
  }

  /// `00-<trace id>-<span id>-01`, or `-00` when not sampled.
  public var text: String { "00-\(traceID.hex)-\(spanID.hex)-\(sampled ? "01" : "00")" }

  /// Whether a `tracestate` value is within the specification's bounds:
  /// at most 512 characters of printable ASCII (no control characters).
  public static func isValidState(_ state: String) -> Bool {
    state.utf8.count <= 512 && state.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7f }
  }
}

/// Lowercase hexadecimal, as trace context and OTLP JSON write ids.
enum TraceHex {
  static func digits(_ value: UInt64) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: 16 - text.utf8.count) + text
  }

  /// Exactly `digits` lowercase hexadecimal digits.
  static func parse(_ text: some StringProtocol, digits: Int) -> UInt64? {
    guard text.utf8.count == digits,
      text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
    else { return nil }
    return UInt64(text, radix: 16)
  }
}
