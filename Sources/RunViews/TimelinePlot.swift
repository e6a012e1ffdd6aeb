import RefreshVocabulary
import RunTelemetry
import SystemInterface

/// A run drawn as `systemd-analyze plot` draws a boot: an SVG with one bar
/// per script on a time axis, grouped under a band per phase, coloured by
/// status, each labelled with its exit and duration; the failed script is
/// outlined and marked. Self-contained: no scripts, no external fonts or
/// images; stored text is escaped, its control characters replaced.
public struct TimelinePlot {
  let run: TracedRun

  /// The plot of `run`.
  public init(_ run: TracedRun) {
    self.run = run
  }

  static let rowHeight = 18
  static let axisWidth = 960
  static let left = 20
  static let labelRoom = 420
  static let top = 92

  /// The SVG document.
  public var svg: String {
    let rows = run.phases.count + run.scripts.count
    let width = Self.left + Self.axisWidth + Self.labelRoom
    let height = Self.top + rows * Self.rowHeight + 30
    var out = """
      <?xml version="1.0" encoding="UTF-8"?>
      <svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 \(width) \(height)" \
      preserveAspectRatio="xMinYMin meet" font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="#ffffff"/>

      """
    out += header()
    out += axis(height: height)
    var y = Self.top
    for phase in run.phases {
      out += band(phase, y: y)
      y += Self.rowHeight
      for script in phase.scripts {
        out += bar(script, y: y)
        y += Self.rowHeight
      }
    }
    out += "</svg>\n"
    return out
  }

  private func header() -> String {
    let id = run.runID.map { "run \($0)" } ?? "run"
    let title =
      "os-refresh-config \(id) on \(run.hostname): \(run.status.rawValue), "
      + (run.exitCode.map { "exit status \($0), " } ?? "")
      + HumanDuration.text(run.durationMicroseconds)
    var out = "<text x=\"\(Self.left)\" y=\"24\" font-size=\"16\" font-weight=\"bold\">\(Self.xml(title))</text>\n"
    var facts =
      "\(Timestamp.utcISO8601(run.startedAt)) · \(run.baseDirectory) · \(run.scripts.count) script\(run.scripts.count == 1 ? "" : "s")"
    if let failed = run.scripts.last(where: { $0.status != .success }) {
      facts += " · ✗ \(failed.phase.rawValue)/\(failed.name): \(failed.failure ?? failed.status.rawValue)"
    } else if let phase = run.phases.first(where: { $0.environmentFailure != nil }) {
      facts += " · ✗ \(phase.phase.rawValue)/\(Self.environmentName(phase)): sourcing failed"
    }
    out += "<text x=\"\(Self.left)\" y=\"44\">\(Self.xml(facts))</text>\n"
    // The legend names the statuses this run's scripts have, no others.
    var x = Self.left
    for status in ScriptStatus.allCases where run.scripts.contains(where: { $0.status == status }) {
      out += "<rect x=\"\(x)\" y=\"54\" width=\"12\" height=\"12\" fill=\"\(Self.colour(status))\"/>"
      out += "<text x=\"\(x + 16)\" y=\"65\">\(status.rawValue)</text>\n"
      x += 30 + status.rawValue.utf8.count * 7
    }
    return out
  }

  /// Vertical grid lines at a round step, labelled with seconds.
  private func axis(height: Int) -> String {
    let total = max(run.durationMicroseconds, 1)
    let step = Self.step(for: total)
    var out = ""
    var tick: Int64 = 0
    while tick <= total {
      let x = Self.left + Int(tick * Int64(Self.axisWidth) / total)
      out += "<line x1=\"\(x)\" y1=\"\(Self.top - 14)\" x2=\"\(x)\" y2=\"\(height - 20)\" stroke=\"#dddddd\"/>"
      out += "<text x=\"\(x + 2)\" y=\"\(Self.top - 4)\" fill=\"#666666\" font-size=\"10\">"
      out += "\(tick == 0 ? "0" : HumanDuration.text(tick))</text>\n"
      tick += step
    }
    return out
  }

  /// The grid's step: 1, 2 or 5 times a power of ten microseconds, giving
  /// at most 12 lines.
  static func step(for total: Int64) -> Int64 {
    var power: Int64 = 1
    while true {
      for factor: Int64 in [1, 2, 5] where total / (factor * power) <= 12 { return factor * power }
      power *= 10
    }
  }

  private func position(_ time: Int64) -> Int {
    let total = max(run.durationMicroseconds, 1)
    let offset = min(max(time - run.startedAt, 0), total)
    return Self.left + Int(offset * Int64(Self.axisWidth) / total)
  }

  /// A phase's row: a band across the whole plot, so its label always lies
  /// inside it however short the phase, and the phase's own span darker.
  private func band(_ phase: TracedPhase, y: Int) -> String {
    let x = position(phase.startedAt)
    let width = max(position(phase.finishedAt) - x, 1)
    var label = "\(phase.phase.rawValue): \(phase.status.rawValue), \(HumanDuration.text(phase.durationMicroseconds))"
    if phase.environmentFailure != nil { label += " · ✗ \(Self.environmentName(phase)) failed" }
    let full = Self.axisWidth + Self.labelRoom
    return
      "<rect x=\"\(Self.left)\" y=\"\(y + 2)\" width=\"\(full)\" height=\"\(Self.rowHeight - 4)\" fill=\"#eef2f8\"/>"
      + "<rect x=\"\(x)\" y=\"\(y + 2)\" width=\"\(width)\" height=\"\(Self.rowHeight - 4)\" fill=\"#c9d6ea\"/>"
      + "<text x=\"\(Self.left + 4)\" y=\"\(y + 13)\" font-weight=\"bold\">\(Self.xml(label))</text>\n"
  }

  private func bar(_ script: TracedScript, y: Int) -> String {
    let x = position(script.startedAt)
    let width = max(position(script.finishedAt) - x, 1)
    let ending =
      script.signal.map { "signal \(signalName(Int32(truncatingIfNeeded: $0)))" }
      ?? script.exitCode.map { "exit \($0)" } ?? script.status.rawValue
    let failed = script.status != .success
    let label =
      (failed ? "✗ " : "") + "\(script.name) (\(ending), \(HumanDuration.text(script.durationMicroseconds)))"
    var out = "<g><title>\(Self.xml(script.path)): \(script.status.rawValue)</title>"
    out += "<rect x=\"\(x)\" y=\"\(y + 3)\" width=\"\(width)\" height=\"\(Self.rowHeight - 6)\" "
    out += "fill=\"\(Self.colour(script.status))\""
    out += failed ? " stroke=\"#000000\" stroke-width=\"2\"/>" : "/>"
    let weight = failed ? " font-weight=\"bold\" fill=\"#b00000\"" : ""
    out += "<text x=\"\(x + width + 4)\" y=\"\(y + 13)\"\(weight)>\(Self.xml(label))</text></g>\n"
    return out
  }

  /// `environment.d/NAME` of the file whose sourcing failed in `phase`.
  static func environmentName(_ phase: TracedPhase) -> String {
    let file = phase.environmentFailure ?? ""
    let name = file.split(separator: "/").last.map(String.init) ?? ""
    return name.isEmpty ? "environment.d" : "environment.d/" + name
  }

  static func colour(_ status: ScriptStatus) -> String {
    switch status {
    case .success: "#4c9a2a"
    case .failed: "#d62728"
    case .timeout: "#ff7f0e"
    case .killed: "#9467bd"
    case .interrupted: "#8c564b"
    case .running: "#1f77b4"
    case .abandoned: "#7f7f7f"
    }
  }

  /// Text for XML: markup characters escaped, characters XML 1.0 forbids
  /// (control characters but tab, line feed and return) replaced by U+FFFD.
  static func xml(_ text: String) -> String {
    DisplayText.replacing(text) { scalar in
      switch scalar {
      case "&": "&amp;"
      case "<": "&lt;"
      case ">": "&gt;"
      case "\"": "&quot;"
      case "'": "&apos;"
      case "\u{FFFE}", "\u{FFFF}": "\u{FFFD}"
      case let control where control.value < 0x20 || (0x7f...0x9f).contains(control.value): "\u{FFFD}"
      default: nil
      }
    }
  }
}

/// Durations as people read them: `850 µs`, `12.3 ms`, `4.56 s`, `3 min 20 s`.
enum HumanDuration {
  static func text(_ microseconds: Int64) -> String {
    let value = max(microseconds, 0)
    if value < 1000 { return "\(value) µs" }
    if value < 1_000_000 { return decimal(value, 1000) + " ms" }
    if value < 60_000_000 { return decimal(value, 1_000_000) + " s" }
    let seconds = value / 1_000_000
    return "\(seconds / 60) min \(seconds % 60) s"
  }

  /// `value / unit` with up to 3 significant digits.
  private static func decimal(_ value: Int64, _ unit: Int64) -> String {
    let whole = value / unit
    let decimals = whole >= 100 ? 0 : whole >= 10 ? 1 : 2
    var scale: Int64 = 1
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (value * scale + unit / 2) / unit
    guard decimals > 0 else { return String(scaled) }
    let fraction = String(scaled % scale)
    return String(scaled / scale) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
  }
}
