"""Sign-in backend that loads the person's school with them (every page shows it)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class SchoolUserBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("school").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
