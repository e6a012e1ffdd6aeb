import RefreshRunner
import RefreshStore
import RefreshVocabulary
import SystemInterface

extension HistoryRecorder {
  /// Starts watching the files for this run: the watched paths are listed,
  /// and the history's last states of them read, each on a thread of its
  /// own, while the runner goes on; ``settleFileStart()`` records what
  /// changed since the last refresh (or their baseline) before anything of
  /// the run's can change them.
  func startWatchingFiles() {
    guard let watchSettings = settings.watch, let store, journal != nil else { return }
    let watchedBefore: [String]
    do {
      watchedBefore = try store.queries.lastWatchedPaths() ?? []
    } catch {
      return cannotReadFileStates(error)
    }
    // Only the roots watched before are compared.
    let loading = store.fileStatesAside(under: watchSettings.scope.paths.filter(watchedBefore.contains))
    var watch = FileChangeWatch(settings: watchSettings, key: settings.secretKey, known: inputs.knownSecrets)
    watch.scanAtStart()
    watch.pendingStart = (loading, watchedBefore)
    files = watch
  }

  /// The watch's start, once its listing and the last states are in: the
  /// drift and the baseline recorded. Made before the first script or
  /// environment.d file runs (either may change a watched file, which
  /// would then be taken for a change made outside the refresh), or at the
  /// first boundary of a run that runs neither.
  func settleFileStart() {
    guard var watch = files, let (loading, watchedBefore) = watch.pendingStart else { return }
    files = nil
    watch.pendingStart = nil
    let stored: [String: StoredFileState]
    do {
      stored = try loading.value.get()
    } catch {
      return cannotReadFileStates(error)
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

  private func cannotReadFileStates(_ error: any Error) {
    warn("history: cannot read the watched files' last states (\(error)); files are not watched in this run")
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
    settleFileStart()
    // Changed in place: a copy of the watch (its known states, its
    // scripts) at every boundary would cost each script.
    guard let records = files?.boundary(final: final) else { return }
    // The last boundary ends the kernel watcher's thread with the watch.
    let watch = final ? files?.watch : nil
    if final { files = nil }
    appendFiles(records, watch: watch)
  }

  /// A script is about to start: the watch has started (its clock then
  /// tells the script's processes).
  func filesBeforeScript() {
    settleFileStart()
    files?.scriptWillStart()
  }

  /// The changes a script made, when a scan is due after it.
  func filesAfter(_ script: Script, in phase: Phase, durationNanoseconds: Int64) {
    guard let records = files?.scriptEnded(script.name, in: phase, durationNanoseconds: durationNanoseconds) else {
      return
    }
    appendFiles(records)
  }
}
