/// Layers: the Module protocol, layers, recurrent cells, attention, losses and optimizers.
public enum LayersModule {}
