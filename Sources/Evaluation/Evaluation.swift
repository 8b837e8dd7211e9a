/// Evaluation: DAVIS J&F, classification accuracy and confusion, reports.
public enum EvaluationModule {}
