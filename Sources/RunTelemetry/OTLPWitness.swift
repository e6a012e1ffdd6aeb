import MetadataDocuments
import SystemInterface

/// The seals a witness saw leave the node: the root spans of OTLP JSON
/// lines (our `--otlp-file`, or the OpenTelemetry Collector's file
/// exporter) that carry `os_refresh_config.run.id` and
/// `os_refresh_config.run.seal`.
public enum OTLPWitness {
  /// The largest witness file read: 1 GiB.
  public static let maximumBytes = 1 << 30

  /// Each run's seal in the file at `path`, by run id; the last line wins
  /// for a run seen twice. A line that is not JSON, or a span without
  /// both attributes, is passed over (a Collector's file holds other
  /// services' spans too).
  public static func seals(inFile path: String) throws -> [Int64: String] {
    let (bytes, complete) = try SmallFile.read(path, limit: maximumBytes)
    guard complete else {
      throw SystemError(call: "read", code: EFBIG, subject: path)
    }
    var seals: [Int64: String] = [:]
    for line in bytes.split(separator: UInt8(ascii: "\n")) {
      guard let document = JSONValue.parse(Array(line)) else { continue }
      for span in spans(of: document) {
        var run: Int64?
        var seal: String?
        for attribute in span["attributes"]?.arrayValue ?? [] {
          let value = attribute["value"]
          switch attribute["key"]?.stringValue {
          case "os_refresh_config.run.id":
            run = (value?["intValue"]?.stringValue ?? value?["intValue"]?.numberValue).flatMap { Int64($0) }
          case "os_refresh_config.run.seal": seal = value?["stringValue"]?.stringValue
          default: break
          }
        }
        if let run, let seal { seals[run] = seal }
      }
    }
    return seals
  }

  private static func spans(of document: JSONValue) -> [JSONValue] {
    (document["resourceSpans"]?.arrayValue ?? []).flatMap { resource in
      (resource["scopeSpans"]?.arrayValue ?? []).flatMap { $0["spans"]?.arrayValue ?? [] }
    }
  }
}

extension JSONValue {
  fileprivate subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.last { $0.key == key }?.value
  }
  fileprivate var arrayValue: [JSONValue]? {
    guard case .array(let values) = self else { return nil }
    return values
  }
  fileprivate var stringValue: String? {
    guard case .string(let value) = self else { return nil }
    return value
  }
  fileprivate var numberValue: String? {
    guard case .number(let value) = self else { return nil }
    return value
  }
}
