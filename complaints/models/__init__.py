from complaints.lifecycle import State
from complaints.models.complaint import Category, Complaint, ComplaintFollowUp, Source, TriageReason
from complaints.models.outbox import Channel, DeliveryState, DispatchOutbox
from complaints.models.parties import FeedCredential, HospitalComplaintContact

__all__ = [
    "Category",
    "Channel",
    "Complaint",
    "ComplaintFollowUp",
    "DeliveryState",
    "DispatchOutbox",
    "FeedCredential",
    "HospitalComplaintContact",
    "Source",
    "State",
    "TriageReason",
]
