"""Camunda Forms (form-js JSON) deployed beside the diagrams: immutable versions per form key."""
from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import deferred, relationship

from app.models.base import JSONType, UtcDateTime, utcnow


class FormDefinition(Model):
    __tablename__ = "form_definition"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_form_key_version"),)
    id = Column(Integer, primary_key=True)
    key = Column(String(100), nullable=False, index=True)  # the schema's "id", as camunda:formRef names it
    name = Column(String(200), nullable=False)  # in the site's default language (zh)
    # the name in other languages, as the schema's root "properties" hold it: {"i18n:name:en": "..."}
    name_i18n = Column(JSONType, nullable=False, default=dict)
    version = Column(Integer, nullable=False)
    checksum = Column(String(64), nullable=False)
    schema = deferred(Column(Text, nullable=False))  # the form-js JSON as saved by the builder
    fields = Column(JSONType, nullable=False, default=list)  # FormField dicts: what the server validates
    deployed_by_id = Column(Integer, ForeignKey("ab_user.id"))
    deployed_at = Column(UtcDateTime(), nullable=False, default=utcnow)
    source = Column(String(20), nullable=False, default="file")  # file | editor | api
    deployed_by = relationship("User", foreign_keys=[deployed_by_id])

    def __repr__(self) -> str:
        return f"form {self.key} v{self.version}"
