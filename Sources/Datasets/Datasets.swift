/// Datasets: DAVIS layout, classification manifests, SyncMNIST and synthetic VOS generators.
public enum DatasetsModule {}
