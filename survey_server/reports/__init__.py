"""The "lắng nghe ý kiến nhân dân" section of the dân vận report.

``gather`` reads what a unit's scope did and heard in a period (campaigns, responses, scores,
comments and their follow-up), ``compose`` writes it as a document model in the register of an
administrative report, and one renderer per format turns the model into a file: ``docx``
(Nghị định 30/2020/NĐ-CP layout, real footnotes), ``insert`` (into an office's own draft),
``markdown`` and ``html``.
"""
