import FileWatch
import RefreshVocabulary

extension LogRecord {
  static func encode(_ change: FileChangeRecord, into out: inout RecordEncoder) {
    out.text(change.path)
    out.text(change.change.rawValue)
    out.optionalText(change.renamedFrom)
    out.text(change.found.rawValue)
    out.optionalText(change.phase?.rawValue)
    out.optionalText(change.script)
    out.byte(change.byRefresh ? 1 : 0)
    out.int(change.seenAt)
    let state = change.state
    out.text(state.kind.rawValue)
    for value in [state.device, state.inode, state.size, state.modified, state.changed, state.mode, state.owner] {
      out.int(value)
    }
    out.int(state.group)
    out.optionalText(change.sha256)
    out.optionalBytes(change.content)
    out.byte((change.secret ? 1 : 0) | (change.binary ? 2 : 0))
    out.optionalText(change.error)
  }

  static func fileChange(from input: inout RecordDecoder) -> FileChangeRecord? {
    guard let path = input.text(), let change = input.text().flatMap(FileChangeKind.init),
      let renamedFrom = input.optionalText(), let found = input.text().flatMap(FileChangeTime.init),
      let phaseName = input.optionalText(), let script = input.optionalText(), let byRefresh = input.byte(),
      let seenAt = input.int(), let kind = input.text().flatMap(FileState.Kind.init)
    else { return nil }
    let values = (0..<8).compactMap { _ in input.int() }
    guard values.count == 8, let sha256 = input.optionalText(), let content = input.optionalBytes(),
      let flags = input.byte(), let error = input.optionalText()
    else { return nil }
    let phase = phaseName.map { Phase(rawValue: $0) }
    guard phase.map({ $0 != nil }) ?? true else { return nil }
    let state = FileState(
      kind: kind, device: values[0], inode: values[1], size: values[2], modified: values[3], changed: values[4],
      mode: values[5], owner: values[6], group: values[7])
    var record = FileChangeRecord(
      path: path, change: change, found: found, byRefresh: byRefresh != 0, seenAt: seenAt, state: state)
    (record.renamedFrom, record.phase, record.script) = (renamedFrom, phase ?? nil, script)
    (record.sha256, record.content, record.error) = (sha256, content, error)
    (record.secret, record.binary) = (flags & 1 != 0, flags & 2 != 0)
    return record
  }

  static func encode(_ watch: FileWatchRecord, into out: inout RecordEncoder) {
    out.text(watch.method.rawValue)
    out.int(Int64(watch.paths.count))
    for path in watch.paths { out.text(path) }
    out.byte(watch.complete ? 1 : 0)
    out.optionalText(watch.incompleteReason)
    out.optionalInt(watch.changesLost)
  }

  static func fileWatch(from input: inout RecordDecoder) -> FileWatchRecord? {
    guard let method = input.text().flatMap(WatchMethod.init), let count = input.int(), (0...4096).contains(count)
    else { return nil }
    let paths = (0..<count).compactMap { _ in input.text() }
    guard paths.count == count, let complete = input.byte(), let reason = input.optionalText(),
      let lost = input.optionalInt()
    else { return nil }
    var watch = FileWatchRecord(method: method, paths: paths, complete: complete != 0)
    (watch.incompleteReason, watch.changesLost) = (reason, lost)
    return watch
  }
}
