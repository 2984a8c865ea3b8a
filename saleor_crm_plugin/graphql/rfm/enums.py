import graphene

CRMRfmMethodEnum = graphene.Enum(
    "CRMRfmMethodEnum", [("QUANTILES", "quantiles"), ("THRESHOLDS", "thresholds")]
)
