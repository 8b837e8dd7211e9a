/// Graphs: space-time graphs, node builders (patch, region, frame) and message-passing layers.
public enum GraphsModule {}
