/// Models: backbones, the frame-graph segmenter, RSTG and region-graph classifiers, configs and
/// the embedded default weights.
public enum ModelsModule {}
