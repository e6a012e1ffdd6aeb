import RefreshRunner
import RefreshStore
import RefreshVocabulary
import SystemInterface

extension HistoryRecorder {
  /// Records what changed in the watched files since the last refresh (or
  /// their baseline), and starts watching them for this run.
  func startWatchingFiles() {
    guard let watchSettings = settings.watch, let store, journal != nil else { return }
    let cannotRead = { (error: any Error) in
      self.warn("history: cannot read the watched files' last states (\(error)); files are not watched in this run")
    }
    let watchedBefore: [String]
    do {
      watchedBefore = try store.queries.lastWatchedPaths() ?? []
    } catch {
      return cannotRead(error)
    }
    // The last states of the roots watched before (the only ones compared)
    // are read on another thread while this one lists the watched paths.
    let loading = store.fileStatesAside(under: watchSettings.scope.paths.filter(watchedBefore.contains))
    var watch = FileChangeWatch(settings: watchSettings, key: settings.secretKey, known: inputs.knownSecrets)
    watch.scanAtStart()
    let stored: [String: StoredFileState]
    do {
      stored = try loading.value.get()
    } catch {
      return cannotRead(error)
    }
    let records = watch.start(stored: stored, watchedBefore: watchedBefore)
    for root in watch.missingRoots {
      warn(
        "history: the watched path \(DisplayText.escaped(root, singleLine: true)) is not a directory; nothing under it is recorded until it is one"
      )
    }
    appendFiles(records, watch: watch.watch)
    // From here on, a boundary's records go to the journal as they are made.
    watch.sink = { [unowned self] records in self.appendFiles(records) }
    files = watch
  }

  /// Appends file change records, and how the run watches when it is new.
  func appendFiles(_ records: [FileChangeRecord], watch: FileWatchRecord? = nil) {
    guard let journal, let runID, !records.isEmpty || watch != nil else { return }
    var batch: [LogRecord] = watch.map { [.fileWatch(sequence: journal.nextSequence(), runID: runID, $0)] } ?? []
    batch += records.map { .fileChange(sequence: journal.nextSequence(), runID: runID, $0) }
    append(batch)
  }

  /// While a script runs: when the kernel watcher has read many events
  /// (a script changing many files), the changes to the paths it has left
  /// alone go to the journal now, so that the history takes them while the
  /// script goes on instead of after it.
  public func workWhileWaiting() -> WaitingWork? {
    guard let descriptor = files?.watcher?.manyTouches else { return nil }
    return WaitingWork(descriptor: descriptor) { [unowned self] in
      guard let records = files?.streamQuietChanges() else { return }
      appendFiles(records)
    }
  }

  /// The changes since the last scan, at a phase's or the run's end.
  func fileBoundary(final: Bool) {
    // Changed in place: a copy of the watch (its known states, its
    // scripts) at every boundary would cost each script.
    guard let records = files?.boundary(final: final) else { return }
    // The last boundary ends the kernel watcher's thread with the watch.
    let watch = final ? files?.watch : nil
    if final { files = nil }
    appendFiles(records, watch: watch)
  }

  /// The changes a script made, when a scan is due after it.
  func filesAfter(_ script: Script, in phase: Phase, durationNanoseconds: Int64) {
    guard let records = files?.scriptEnded(script.name, in: phase, durationNanoseconds: durationNanoseconds) else {
      return
    }
    appendFiles(records)
  }
}
